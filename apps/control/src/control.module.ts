import { DynamicModule, Module } from '@nestjs/common';
import {
  ChatHistory,
  EventPatterns,
  FileCatalog,
  MaintenanceQueue,
  MeetingSchedule,
  MembershipPublisher,
  Redis,
  REDIS,
  redisProviders,
  RoomStore,
} from '@sapora/coordination';
import { Logger, LOGGER } from '@sapora/service-kit';
import { ChatRouter } from './chat/chat-router';
import { ControlConfig } from './config/control-config';
import { MembershipService } from './rooms/membership-service';
import { RoomDirectory } from './rooms/room-directory';
import { ControlServer } from './server/control-server';
import { FileNoticesController } from './files/file-notices.controller';
import { PresenterController } from './screen/presenter.controller';
import { MeetingReminders } from './meetings/meeting-reminders';
import { MeetingRemindersController } from './meetings/meeting-reminders.controller';
import { MeetingService } from './meetings/meeting-service';

@Module({})
export class ControlModule {
  static register(config: ControlConfig, logger: Logger): DynamicModule {
    return {
      module: ControlModule,
      controllers: [FileNoticesController, PresenterController, MeetingRemindersController],
      providers: [
        { provide: ControlConfig, useValue: config },
        { provide: LOGGER, useValue: logger },
        ...redisProviders(config.REDIS_URL, 'sapora-control', { forBullMq: true }),
        {
          provide: RoomStore,
          inject: [REDIS],
          useFactory: (redis: Redis) => new RoomStore(redis, config.IDLE_TIMEOUT_MS),
        },
        {
          provide: ChatHistory,
          inject: [REDIS],
          useFactory: (redis: Redis) => new ChatHistory(redis),
        },
        {
          provide: MembershipPublisher,
          useFactory: () => new MembershipPublisher(config.REDIS_URL),
        },
        {
          provide: MaintenanceQueue,
          inject: [REDIS, MembershipService],
          useFactory: (redis: Redis, membership: MembershipService) =>
            new MaintenanceQueue(
              redis,
              { sweepSessions: () => membership.expireSessions() },
              (error) => logger.error({ err: error }, 'maintenance job failed'),
            ),
        },
        {
          provide: FileCatalog,
          inject: [REDIS],
          useFactory: (redis: Redis) => new FileCatalog(redis),
        },
        {
          provide: MeetingSchedule,
          inject: [REDIS],
          useFactory: (redis: Redis) => new MeetingSchedule(redis),
        },
        {
          provide: MeetingReminders,
          inject: [REDIS, MeetingSchedule, MembershipPublisher],
          // Reminders go out on the same publisher as membership events: one connection.
          useFactory: (redis: Redis, schedule: MeetingSchedule, publisher: MembershipPublisher) =>
            new MeetingReminders(
              redis,
              schedule,
              (event) => publisher.emit(EventPatterns.meetingReminder, event),
              config.MEETING_REMINDER_LEAD_MS,
              logger,
            ),
        },
        MeetingService,
        RoomDirectory,
        MembershipService,
        ChatRouter,
        ControlServer,
      ],
    };
  }
}
