#!/usr/bin/env node
import { runService } from '@sapora/service-kit';
import { createScreenApp } from './create-screen-app';

void runService('screen', () => createScreenApp());
