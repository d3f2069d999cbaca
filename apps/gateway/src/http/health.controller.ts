import { Controller, Get } from '@nestjs/common';

/** GET /health: the gateway answers HTTP (for compose healthchecks and load balancers). */
@Controller('health')
export class HealthController {
  @Get()
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
