#!/usr/bin/env node
import { runService } from '@sapora/service-kit';
import { createControlApp } from './create-control-app';

void runService('control', () => createControlApp());
