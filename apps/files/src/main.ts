#!/usr/bin/env node
import { filesService } from './files-service';

filesService.main();
