#!/usr/bin/env node
import { discoveryService } from './discovery-service';

discoveryService.main();
