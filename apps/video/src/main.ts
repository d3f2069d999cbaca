#!/usr/bin/env node
import { runService } from '@sapora/service-kit';
import { createVideoApp } from './create-video-app';

void runService('video', () => createVideoApp());
