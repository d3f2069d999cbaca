import { BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import {
  MeetingRecord,
  MeetingReminderEvent,
  MeetingSchedule,
  QueueNames,
  Redis,
  RedisLink,
  toScheduledMeeting,
} from '@sapora/coordination';
import { meetingEndMs } from '@sapora/protocol';
import { Logger } from '@sapora/service-kit';

const REMINDER_JOB = 'meeting-reminder';

type ReminderKind = 'soon' | 'start';

interface ReminderJob {
  meetingId: string;
  startMs: number;
  kind: ReminderKind;
}

/** One job per meeting, start and kind: adding it twice is a no-op, removing it needs no lookup. */
function jobId(meeting: Pick<MeetingRecord, 'meetingId' | 'startMs'>, kind: ReminderKind): string {
  return `reminder/${meeting.meetingId}/${meeting.startMs}/${kind}`;
}

/**
 * A meeting's reminders, as delayed BullMQ jobs: "soon" (the lead time before the start) and
 * "start". They live in Redis, so a restarted control service still sends them, and whichever
 * control instance's worker takes a job publishes the event that every instance hears.
 */
export class MeetingReminders implements OnModuleInit, BeforeApplicationShutdown {
  readonly #queue: Queue;
  readonly #worker: Worker;
  readonly #schedule: MeetingSchedule;
  readonly #leadMs: number;

  constructor(
    connection: Redis,
    schedule: MeetingSchedule,
    publish: (event: MeetingReminderEvent) => Promise<void>,
    leadMs: number,
    logger: Logger,
    link: RedisLink,
  ) {
    this.#schedule = schedule;
    this.#leadMs = leadMs;
    this.#queue = new Queue(QueueNames.meetingReminders, { connection });
    this.#worker = new Worker(
      QueueNames.meetingReminders,
      async (job) => {
        const { meetingId, startMs, kind } = job.data as ReminderJob;
        const meeting = await schedule.get(meetingId);
        // Deleted, or moved since the job was added (its new jobs carry the new start).
        if (meeting === null || meeting.startMs !== startMs) return;
        const now = Date.now();
        // Late after an outage: a "soon" after the start, or a "start" after the end, is noise.
        if (kind === 'soon' && now >= startMs) return;
        if (kind === 'start' && now >= meetingEndMs(meeting)) return;
        await publish({
          meeting: toScheduledMeeting(meeting),
          minutesBefore: kind === 'soon' ? Math.ceil((startMs - now) / 60_000) : 0,
          starting: kind === 'start',
        });
        logger.info({ meetingId, kind }, 'meeting reminder sent');
      },
      { connection, concurrency: 4, autorun: false },
    );
    this.#worker.on('failed', (job, error) =>
      logger.error({ err: error, jobId: job?.id }, 'meeting reminder failed'),
    );
    this.#worker.on('error', (error) =>
      logger.error({ err: error }, 'meeting reminder worker error'),
    );
    // A Redis that came back empty lost the delayed jobs: add those still ahead again.
    link.onReconnect(
      () => this.#scheduleAll(),
      (error) => logger.error({ err: error }, 'could not re-add meeting reminders'),
    );
  }

  /**
   * Starts working, after making sure every scheduled meeting has its future jobs: one created
   * or moved by an instance that died between the Redis write and the job write gets them now.
   */
  async onModuleInit(): Promise<void> {
    await this.#scheduleAll();
    void this.#worker.run();
  }

  async #scheduleAll(): Promise<void> {
    const meetings = await this.#schedule.list();
    await Promise.all(meetings.map((meeting) => this.schedule(meeting)));
  }

  /** Adds the meeting's reminders still ahead; those already due are skipped, not sent late. */
  async schedule(meeting: MeetingRecord): Promise<void> {
    const now = Date.now();
    const due: [ReminderKind, number][] = [
      ['soon', meeting.startMs - this.#leadMs],
      ['start', meeting.startMs],
    ];
    for (const [kind, atMs] of due) {
      if (atMs <= now) continue;
      const data: ReminderJob = { meetingId: meeting.meetingId, startMs: meeting.startMs, kind };
      await this.#queue.add(REMINDER_JOB, data, {
        jobId: jobId(meeting, kind),
        delay: atMs - now,
        attempts: 3,
        backoff: { type: 'fixed', delay: 1_000 },
        removeOnComplete: true,
        removeOnFail: true,
      });
    }
  }

  /** Takes a meeting's reminders off the queue (a job already running checks the schedule). */
  async cancel(meeting: Pick<MeetingRecord, 'meetingId' | 'startMs'>): Promise<void> {
    await Promise.all([
      this.#queue.remove(jobId(meeting, 'soon')),
      this.#queue.remove(jobId(meeting, 'start')),
    ]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.#worker.close();
    await this.#queue.close();
  }
}
