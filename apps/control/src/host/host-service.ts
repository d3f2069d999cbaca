import { Injectable } from '@nestjs/common';
import { HostChange, MemberRecord, RoomControls, RoomState, RoomStore } from '@sapora/coordination';
import {
  encodePayload,
  ErrorCode,
  HostAction,
  HostActionKind,
  hostActionLine,
  hostActionRefusal,
  MessageType,
  usernameKey,
} from '@sapora/protocol';
import { RequestError } from '@sapora/service-kit';
import { ChatRouter } from '../chat/chat-router';
import { ControlConfig } from '../config/control-config';
import { ConnectedParticipant } from '../rooms/connected-participant';
import { MembershipService } from '../rooms/membership-service';

/**
 * Running a meeting: the host's actions and everyone's raised hands. Each action is checked
 * against the room rules, then made in Redis by one script that holds only while the actor is
 * still host, then announced (list, media services) and written into the chat history.
 */
@Injectable()
export class HostService {
  constructor(
    private readonly config: ControlConfig,
    private readonly store: RoomStore,
    private readonly controls: RoomControls,
    private readonly membership: MembershipService,
    private readonly chat: ChatRouter,
  ) {}

  async act(actor: ConnectedParticipant, request: HostAction, sequence: number): Promise<void> {
    const { meetingId, participantId: actorId } = actor.member;
    const [members, room] = await Promise.all([
      this.store.members(meetingId),
      this.controls.state(meetingId),
    ]);
    const target = members.find((m) => m.participantId === request.participantId);
    const refusal = hostActionRefusal({
      action: request.action,
      actorId,
      hostId: room.hostId,
      hostName: nameOf(members, room.hostId),
      targetId: request.participantId,
      targetPresent: target !== undefined,
    });
    if (refusal !== null) throw new RequestError(refusal.code, refusal.message);
    const host = actor.member.username;
    const answer = encodePayload(MessageType.HostActionDone, {
      requestSequence: sequence,
      action: request.action,
      participantId: request.participantId,
    });
    const done = await this.#apply(actor, request, target, members, () =>
      actor.connection.send(MessageType.HostActionDone, answer),
    );
    if (!done.answered) actor.connection.send(MessageType.HostActionDone, answer);
    if (done.line)
      await this.chat.system(meetingId, hostActionLine(request.action, host, done.targetName));
  }

  /** Raises or lowers the participant's own hand; the room's lists show the order. */
  async raiseHand(participant: ConnectedParticipant, raised: boolean): Promise<void> {
    const { meetingId, participantId } = participant.member;
    if (await this.controls.setHand(meetingId, participantId, raised))
      await this.membership.roomChanged(participant.member);
  }

  async #apply(
    actor: ConnectedParticipant,
    request: HostAction,
    target: MemberRecord | undefined,
    members: readonly MemberRecord[],
    answer: () => void,
  ): Promise<{ line: boolean; targetName: string; answered?: boolean }> {
    const { meetingId } = actor.member;
    const host = actor.member.username;
    const targetName = target?.username ?? '';
    switch (request.action) {
      case HostActionKind.Mute: {
        const member = await this.#change(actor, {
          op: 'mute',
          targetId: request.participantId,
          by: host,
        });
        // The media services hear it (the mixer drops their audio), and every list shows it.
        await this.membership.roomChanged(member ?? actor.member);
        return { line: true, targetName };
      }
      case HostActionKind.Remove: {
        const nameKey = target?.nameKey ?? usernameKey(targetName);
        await this.#change(actor, {
          op: 'ban',
          nameKey,
          untilMs: Date.now() + this.config.REMOVED_BAN_MS,
        });
        // The line first, while the removed participant can still read it.
        await this.chat.system(meetingId, hostActionLine(request.action, host, targetName));
        await this.membership.endByHost(meetingId, request.participantId, 'removed', host);
        return { line: false, targetName };
      }
      case HostActionKind.Lock:
      case HostActionKind.Unlock:
        await this.#change(actor, {
          op: request.action === HostActionKind.Lock ? 'lock' : 'unlock',
        });
        await this.membership.roomChanged(actor.member);
        return { line: true, targetName };
      case HostActionKind.StopShare:
        await this.#change(actor, { op: 'check' });
        if (target !== undefined) await this.membership.roomChanged(target, 'stop_share');
        return { line: true, targetName };
      case HostActionKind.EndMeeting: {
        await this.#change(actor, { op: 'check' });
        await this.chat.system(meetingId, hostActionLine(request.action, host, ''));
        // Everyone else first, the host last: the room closes with its last member.
        const others = members.filter((m) => m.participantId !== actor.member.participantId);
        for (const member of others)
          await this.membership.endByHost(meetingId, member.participantId, 'meeting_ended', host);
        // The host hears it is done before their own session ends with the rest.
        answer();
        await this.membership.endByHost(
          meetingId,
          actor.member.participantId,
          'meeting_ended',
          host,
        );
        return { line: false, targetName, answered: true };
      }
      case HostActionKind.MakeHost:
        await this.#change(actor, { op: 'make-host', targetId: request.participantId });
        await this.membership.roomChanged(target ?? actor.member);
        return { line: true, targetName };
      case HostActionKind.LowerHand: {
        const own = request.participantId === actor.member.participantId;
        await this.#change(actor, {
          op: own ? 'lower-own' : 'lower-hand',
          targetId: request.participantId,
        });
        await this.membership.roomChanged(target ?? actor.member);
        return { line: !own, targetName };
      }
      case HostActionKind.AllowRejoin: {
        const name = request.username.trim();
        if (name === '')
          throw new RequestError(ErrorCode.InvalidRequest, 'allow rejoin needs a username');
        await this.#change(actor, { op: 'allow', nameKey: usernameKey(name) });
        return { line: true, targetName: name };
      }
      default:
        throw new RequestError(ErrorCode.InvalidRequest, `unknown host action ${request.action}`);
    }
  }

  /** Makes the change if the actor is still host; else the refusal names who is. */
  async #change(
    actor: ConnectedParticipant,
    change: HostChange,
  ): Promise<MemberRecord | undefined> {
    const { meetingId, participantId } = actor.member;
    const outcome = await this.controls.change(
      meetingId,
      participantId,
      change,
      this.config.REMOVED_BAN_MS,
    );
    if (outcome.ok) return outcome.member;
    if (outcome.reason === 'NO_SUCH_PARTICIPANT')
      throw new RequestError(ErrorCode.NoSuchParticipant, 'that participant has left the room');
    const room: RoomState = await this.controls.state(meetingId);
    const hostName = nameOf(await this.store.members(meetingId), room.hostId);
    throw new RequestError(
      ErrorCode.NotAllowed,
      `only the host (${hostName || 'nobody'}) can do that`,
    );
  }
}

function nameOf(members: readonly MemberRecord[], participantId: string): string {
  return members.find((m) => m.participantId === participantId)?.username ?? '';
}
