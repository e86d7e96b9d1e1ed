import { describe, expectTypeOf, it } from 'vitest';
import type { ErrorShape } from './errors.js';
import { ReplyError } from './errors.js';
import type { Command, CommandOf, ConnectParams, Method, PingParams, PublishParams, Push, PushType, Reply, ServerFrame } from './frames.js';
import type { ParsedCommand } from './parse.js';

describe('Command', () => {
  it('narrows params by method', () => {
    expectTypeOf<CommandOf<'publish'>['params']>().toEqualTypeOf<PublishParams>();
    expectTypeOf<CommandOf<'connect'>['params']>().toEqualTypeOf<ConnectParams>();
    expectTypeOf<CommandOf<'ping'>['params']>().toEqualTypeOf<PingParams>();
  });

  it('narrows in a switch on method', () => {
    const handle = (command: Command): string | undefined => {
      switch (command.method) {
        case 'publish':
          expectTypeOf(command.params.channel).toBeString();
          expectTypeOf(command.params.idempotencyKey).toEqualTypeOf<string | undefined>();
          return command.params.channel;
        case 'rpc':
          expectTypeOf(command.params.method).toBeString();
          return command.params.method;
        default:
          return undefined;
      }
    };
    expectTypeOf(handle).returns.toEqualTypeOf<string | undefined>();
  });

  it('lists exactly the v1 methods', () => {
    expectTypeOf<Method>().toEqualTypeOf<
      | 'connect'
      | 'subscribe'
      | 'unsubscribe'
      | 'publish'
      | 'rpc'
      | 'send'
      | 'ping'
      | 'refresh'
      | 'sub_refresh'
      | 'history'
      | 'resume'
      | 'presence'
      | 'presence_stats'
    >();
  });

  it('rejects a command whose params do not match its method', () => {
    // @ts-expect-error: subscribe needs a channel
    const missing: Command = { id: 1, method: 'subscribe', params: {} };
    // @ts-expect-error: ping takes no params
    const extra: Command = { id: 1, method: 'ping', params: { channel: 'a' } };
    expectTypeOf([missing, extra]).toEqualTypeOf<Command[]>();
  });

  it('gives parse outcomes a command or an id with a ReplyError', () => {
    const outcome = {} as ParsedCommand;
    if (outcome.ok) expectTypeOf(outcome.command).toEqualTypeOf<Command>();
    else expectTypeOf(outcome.error).toEqualTypeOf<ReplyError>();
  });
});

describe('Push', () => {
  it('lists exactly the v1 push types', () => {
    expectTypeOf<PushType>().toEqualTypeOf<
      'publication' | 'message' | 'join' | 'leave' | 'subscribe' | 'unsubscribe' | 'disconnect' | 'ping' | 'behind'
    >();
  });

  it('narrows by type', () => {
    const read = (push: Push): number | undefined => {
      if (push.type === 'disconnect') {
        expectTypeOf(push.reconnect).toBeBoolean();
        return push.code;
      }
      if (push.type === 'join') expectTypeOf(push.info.user).toBeString();
      return undefined;
    };
    expectTypeOf(read).parameter(0).toEqualTypeOf<Push>();
  });
});

describe('Reply', () => {
  it('accepts a ReplyError where a wire error shape is expected', () => {
    const reply: Reply = { id: 1, error: new ReplyError(104) };
    expectTypeOf(reply).toExtend<ServerFrame>();
    expectTypeOf<ReplyError>().toExtend<ErrorShape>();
  });
});
