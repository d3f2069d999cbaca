#!/usr/bin/env node
import { runService } from '@sapora/service-kit';
import { createFilesApp } from './create-files-app';

void runService('files', () => createFilesApp());
