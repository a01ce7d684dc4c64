/** Show Log: the "Libvirt Domain XML" log channel (the client's and the server's lines). */
import type { CommandFactory } from './context';

export const showLog: CommandFactory = (ctx) => () => ctx.log.show(true);
