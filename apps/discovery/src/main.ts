#!/usr/bin/env node
import { runService } from '@sapora/service-kit';
import { createDiscoveryApp } from './create-discovery-app';

void runService('discovery', () => createDiscoveryApp());
