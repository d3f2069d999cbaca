#!/usr/bin/env node
import { runService } from '@sapora/service-kit';
import { createAudioApp } from './create-audio-app';

void runService('audio', () => createAudioApp());
