#!/usr/bin/env node
import { screenService } from './screen-service';

screenService.main();
