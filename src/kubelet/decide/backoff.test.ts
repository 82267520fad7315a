import { describe, expect, it } from 'vitest';
import { BackOff, containerBackOffKey, crashLoopBackOffMessage, formatGoDuration, imageBackOffKey, imagePullBackOffMessage } from './backoff.js';
import { container, makePod } from './fixtures.js';

const S = 1000;

describe('BackOff (upstream flowcontrol.Backoff as the kubelet configures it)', () => {
  it('doubles from 10s to a 300s cap', () => {
    const b = new BackOff();
    const delays: number[] = [];
    let now = 0;
    for (let i = 0; i < 8; i++) {
      delays.push(b.next('k', now));
      now += 1 * S;
    }
    expect(delays).toEqual([10, 20, 40, 80, 160, 300, 300, 300].map((s) => s * S));
  });

  it('a crash loop waits the current delay from when the container finished', () => {
    const b = new BackOff();
    const finished = 100 * S;
    b.next('k', finished, finished); // first failure: 10s
    expect(b.isInBackOffSince('k', finished, finished + 9 * S)).toBe(true);
    expect(b.isInBackOffSince('k', finished, finished + 10 * S)).toBe(false);
  });

  it('image pulls wait the current delay from the last failure', () => {
    const b = new BackOff();
    b.next('img', 0);
    expect(b.isInBackOff('img', 9_999)).toBe(true);
    expect(b.isInBackOff('img', 10_000)).toBe(false);
    expect(b.isInBackOff('unknown', 0)).toBe(false);
  });

  it('resets to the initial delay after 10 minutes of clean running', () => {
    const b = new BackOff();
    b.next('k', 0);
    b.next('k', 20 * S);
    expect(b.get('k')).toBe(20 * S);
    // The container then ran for 11 minutes before failing again.
    const finished = 20 * S + 11 * 60 * S;
    expect(b.isInBackOffSince('k', finished, finished + 1)).toBe(false);
    expect(b.next('k', finished, finished)).toBe(10 * S);
  });

  it('keeps growing when failures come within the reset window', () => {
    const b = new BackOff();
    b.next('k', 0);
    expect(b.next('k', 9 * 60 * S)).toBe(20 * S);
  });

  it('honours configured values so tests can run fast', () => {
    const b = new BackOff({ initialMs: 100, maxMs: 400, resetAfterMs: 1000 });
    expect([b.next('k', 0), b.next('k', 1), b.next('k', 2), b.next('k', 3)]).toEqual([100, 200, 400, 400]);
    expect(b.next('k', 1004)).toBe(100);
  });

  it('gc forgets keys idle longer than the reset window; reset forgets one', () => {
    const b = new BackOff();
    b.next('old', 0);
    b.next('new', 500 * S);
    b.gc(601 * S);
    expect(b.size).toBe(1);
    expect(b.get('old')).toBe(0);
    b.reset('new');
    expect(b.size).toBe(0);
  });

  it.each([
    [{ initialMs: 0 }, 'initialMs must be a positive number'],
    [{ maxMs: Number.NaN }, 'maxMs must be a positive number'],
    [{ initialMs: 10, maxMs: 5 }, 'maxMs (5) is below initialMs (10)'],
    [{ resetAfterMs: -1 }, 'resetAfterMs must be a positive number'],
  ])('rejects %j with a RangeError', (opts, message) => {
    expect(() => new BackOff(opts)).toThrow(RangeError);
    expect(() => new BackOff(opts)).toThrow(message);
  });
});

describe('back-off keys and messages', () => {
  const pod = makePod();

  it('keys crash loops by pod, container and hash, image pulls by pod and image (upstream GetStableKey)', () => {
    expect(containerBackOffKey(pod, container('app'), 'abc')).toBe('web_default_uid-1_app_abc');
    expect(imageBackOffKey(pod, 'busybox:nope')).toBe('uid-1_busybox:nope');
  });

  it.each([
    [0, '0s'],
    [500, '500ms'],
    [10_000, '10s'],
    [1_500, '1.5s'],
    [80_000, '1m20s'],
    [160_000, '2m40s'],
    [300_000, '5m0s'],
    [3_600_000, '1h0m0s'],
  ])('formats %i ms as Go does: %s', (ms, want) => {
    expect(formatGoDuration(ms)).toBe(want);
  });

  it('words CrashLoopBackOff as upstream doBackOff', () => {
    expect(crashLoopBackOffMessage(pod, 'app', 10_000)).toBe('back-off 10s restarting failed container=app pod=web_default(uid-1)');
    expect(crashLoopBackOffMessage(pod, 'app', 300_000)).toBe('back-off 5m0s restarting failed container=app pod=web_default(uid-1)');
  });

  it('words ImagePullBackOff as upstream, keeping the last pull error', () => {
    expect(imagePullBackOffMessage('busybox:nope')).toBe('Back-off pulling image "busybox:nope"');
    expect(imagePullBackOffMessage('busybox:nope', 'rpc error: code = NotFound desc = not found')).toBe(
      'Back-off pulling image "busybox:nope": ErrImagePull: rpc error: code = NotFound desc = not found',
    );
  });
});
