// TCP helpers for the rig and for the failure tests (all on 127.0.0.1).
import * as net from 'node:net';

export interface Listener {
  port: number;
  close(): Promise<void>;
}

/** A port that was free a moment ago (the kernel picked it; it is closed again). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A port where nothing listens: connecting to it is refused. */
export const closedPort = freePort;

/** Resolves once something accepts a TCP connection on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function listen(onConnection: (socket: net.Socket) => void): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and never says a word: ssh times out in the banner exchange. */
export function silentListener(): Promise<Listener> {
  return listen(() => {});
}

/** Accepts connections and closes them at once: ssh reports "Connection closed by remote host". */
export function closingListener(): Promise<Listener> {
  return listen((socket) => socket.end());
}
