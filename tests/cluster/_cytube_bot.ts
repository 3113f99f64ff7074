/** The bot account the CyTube failover tests log in with, and what they ask the fake server. */
import type { FakeCytube } from "../fake_cytube/mod.ts";

/** The bot's account on the fake CyTube server (a moderator). */
export const BOT = { name: "rosey", password: "hunter2", rank: 2 } as const;

/** Whether a bot session is logged in to the fake server's channel. */
export function botIn(fake: FakeCytube): boolean {
  return fake.users.some((user) => user.name === BOT.name);
}

/** How many accepted bot lines answer `notation` (e.g. "3d1"). */
export function answers(fake: FakeCytube, notation: string): number {
  return fake.accepted("chat", BOT.name).filter((line) => line.includes(`rolled ${notation}:`))
    .length;
}
