#!/usr/bin/env node
import { gatewayService } from './gateway-service';

gatewayService.main();
