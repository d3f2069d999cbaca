#!/usr/bin/env node
import { controlService } from './control-service';

controlService.main();
