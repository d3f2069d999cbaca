#!/usr/bin/env node
import { audioService } from './audio-service';

audioService.main();
