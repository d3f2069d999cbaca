import {
  BULLMQ_REDIS,
  ChatHistory,
  EventPatterns,
  FileCatalog,
  MaintenanceQueue,
  MeetingSchedule,
  MembershipPublisher,
  PasscodeGuard,
  PLACEMENT_WATCH_MS,
  Redis,
  REDIS,
  RedisLink,
  RoomControls,
  RoomPlacement,
  RoomStore,
} from '@sapora/coordination';
import { defineService } from '@sapora/service-kit';
import { ChatRouter } from './chat/chat-router';
import { RoomChatController } from './chat/room-chat.controller';
import { checkControlConfig, ControlConfig } from './config/control-config';
import { FileNoticesController } from './files/file-notices.controller';
import { HostService } from './host/host-service';
import { SpeakersController } from './host/speakers.controller';
import { MeetingReminders } from './meetings/meeting-reminders';
import { MeetingRemindersController } from './meetings/meeting-reminders.controller';
import { MeetingService } from './meetings/meeting-service';
import { MediaMovedController } from './media/media-moved.controller';
import { MediaPlacement } from './media/media-placement';
import { ControlInstance } from './rooms/control-instance';
import { MembershipService } from './rooms/membership-service';
import { RoomDirectory } from './rooms/room-directory';
import { RoomEvents } from './rooms/room-events';
import { PresenterController } from './screen/presenter.controller';
import { ControlProtocol } from './server/control-protocol';

/**
 * Control (TCP 5000): joins, sessions and heartbeats, participant lists, chat and the meeting
 * scheduler. It hears other services' events (a file stored, a share started, a reminder due)
 * over the Redis transport.
 */
export const controlService = defineService({
  name: 'control',
  config: ControlConfig,
  check: checkControlConfig,
  redis: { bullMq: true },
  edge: {
    tcp: ControlProtocol,
    listen: (config) => ({ host: config.CONTROL_HOST, port: config.CONTROL_PORT }),
  },
  controllers: [
    FileNoticesController,
    PresenterController,
    MeetingRemindersController,
    RoomChatController,
    MediaMovedController,
    SpeakersController,
  ],
  membership: RoomEvents,
  providers: (config, logger) => [
    {
      provide: RoomStore,
      inject: [REDIS],
      useFactory: (redis: Redis) => new RoomStore(redis, config.IDLE_TIMEOUT_MS),
    },
    { provide: ChatHistory, inject: [REDIS], useFactory: (redis: Redis) => new ChatHistory(redis) },
    {
      provide: RoomControls,
      inject: [REDIS],
      useFactory: (redis: Redis) => new RoomControls(redis),
    },
    { provide: FileCatalog, inject: [REDIS], useFactory: (redis: Redis) => new FileCatalog(redis) },
    {
      provide: MeetingSchedule,
      inject: [REDIS],
      useFactory: (redis: Redis) => new MeetingSchedule(redis),
    },
    {
      provide: PasscodeGuard,
      inject: [REDIS],
      useFactory: (redis: Redis) => new PasscodeGuard(redis, config.PASSCODE_GUESS_WINDOW_MS),
    },
    { provide: MembershipPublisher, useFactory: () => new MembershipPublisher(config.REDIS_URL) },
    {
      provide: RoomPlacement,
      inject: [REDIS],
      useFactory: (redis: Redis) => new RoomPlacement(redis),
    },
    {
      provide: MaintenanceQueue,
      inject: [BULLMQ_REDIS, RedisLink, MembershipService, MediaPlacement],
      useFactory: (
        redis: Redis,
        link: RedisLink,
        membership: MembershipService,
        media: MediaPlacement,
      ) =>
        new MaintenanceQueue(
          redis,
          link,
          [
            {
              name: 'sweep-sessions',
              everyMs: config.SWEEP_INTERVAL_MS,
              run: () => membership.expireSessions(),
            },
            { name: 'watch-placements', everyMs: PLACEMENT_WATCH_MS, run: () => media.watch() },
          ],
          (error) => logger.error({ err: error }, 'maintenance job failed'),
        ),
    },
    {
      provide: MeetingReminders,
      inject: [BULLMQ_REDIS, MeetingSchedule, MembershipPublisher, RedisLink],
      // Reminders go out on the same publisher as membership events: one connection.
      useFactory: (
        redis: Redis,
        schedule: MeetingSchedule,
        publisher: MembershipPublisher,
        link: RedisLink,
      ) =>
        new MeetingReminders(
          redis,
          schedule,
          (event) => publisher.emit(EventPatterns.meetingReminder, event),
          config.MEETING_REMINDER_LEAD_MS,
          logger,
          link,
        ),
    },
    MeetingService,
    RoomDirectory,
    ControlInstance,
    MembershipService,
    MediaPlacement,
    RoomEvents,
    ChatRouter,
    HostService,
  ],
});
