import type { Command } from '../cli.js';
import { cotCommand } from './cot.js';
import { demoCommand } from './demo.js';
import { rlCommand } from './rl.js';
import { trustCommand } from './trust.js';

/**
 * Every top-level `proj` command, in the order --help lists them. Add new commands here.
 * @example commands.map((c) => c.name) // ['demo', 'trust', 'cot', 'rl']
 */
export const commands: Command[] = [demoCommand, trustCommand, cotCommand, rlCommand];
