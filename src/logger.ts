import pino from 'pino';
import { config } from './config';

/** Logs go to stderr so that CLI output on stdout stays clean for pipes. */
export const logger = pino({ level: config().LOG_LEVEL, base: undefined }, pino.destination(2));
