#!/usr/bin/env node
import { videoService } from './video-service';

videoService.main();
