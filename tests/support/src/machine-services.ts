/**
 * The machine-wide services some suites use as they are (RabbitMQ 127.0.0.1:5672, …): whether one
 * accepts connections. When it does not: locally a loud message naming what to install or start
 * and false (the caller skips), under CI=true a thrown error (the suite fails; tools.ts).
 */
import { connect } from 'node:net';
import { missingPrerequisite } from './tools.js';

function accepts(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function requireMachineService(name: string, port: number, howToFix: string, host = '127.0.0.1'): Promise<boolean> {
  const ok = await accepts(port, host);
  if (!ok) missingPrerequisite(`${name} does not answer on ${host}:${port}`, howToFix);
  return ok;
}

/** The machine's RabbitMQ (guest/guest on 127.0.0.1:5672). */
export const hasMachineRabbitMq = (): Promise<boolean> => requireMachineService('RabbitMQ', 5672, 'Install and start it with: apt-get install -y rabbitmq-server && service rabbitmq-server start');
