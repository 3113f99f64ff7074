/**
 * The shell's help, Rosey's `HELP_TEXT` with `clear` added (Rosey served it but left it out of
 * the help).
 */
export const HELP_TEXT = `Bot Commands:
───────────────────────────────
Info:
 help - Show commands
 info - Bot & channel
 status - Connection
 stats - Database stats

Users:
 users - List all
 user <name> - User info
 afk [on|off] - Set AFK

Chat:
 say <msg> - Chat msg
 pm <u> <msg> - Private msg
 clear - Clear chat

Playlist:
 playlist [n] - Show queue
 current - Now playing
 add <url> [t] - Add video
 remove <#> - Delete item
 move <#> <#> - Reorder
 jump <#> - Jump to
 next - Skip video

Control:
 pause - Pause vid
 kick <u> [r] - Kick user
 voteskip - Skip vote

Examples:
 say Hello everyone!
 add youtu.be/xyz yes
 playlist 5
 kick Bob Spamming
───────────────────────────────`;

/** Every command the shell knows, for the audit and the "unknown command" check. */
export const COMMAND_NAMES = [
  "help",
  "info",
  "status",
  "stats",
  "users",
  "user",
  "afk",
  "say",
  "pm",
  "clear",
  "playlist",
  "current",
  "add",
  "remove",
  "move",
  "jump",
  "next",
  "pause",
  "kick",
  "voteskip",
] as const;
export type CommandName = typeof COMMAND_NAMES[number];
