import { defineService } from '@sapora/service-kit';
import { Announcer } from './announcer/announcer';
import { DiscoveryConfig } from './config/discovery-config';

/**
 * Discovery (UDP 5001): broadcasts where control listens. It serves nothing and needs no
 * Redis; it is healthy while its announcements go out.
 */
export const discoveryService = defineService({
  name: 'discovery',
  config: DiscoveryConfig,
  instancePort: (config) => config.DISCOVERY_PORT,
  providers: () => [Announcer],
  health: [Announcer],
});
