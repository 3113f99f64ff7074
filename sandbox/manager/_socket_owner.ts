/**
 * Which process holds a TCP socket, from /proc (Linux): the row of `/proc/net/tcp` whose local
 * port is `port` names the socket's inode, and `/proc/<pid>/fd/*` links to `socket:[inode]`.
 * nats-server names a refused connection only by its address (`127.0.0.1:56770 - cid:4 -
 * authentication error`); this turns the address into the plugin that dialled it. Reading
 * another uid's fds needs root (or the same uid); a socket closed before the lookup is not
 * found.
 */

/** The inode of the local socket bound to `port` on loopback/any (IPv4 and IPv6), or null. */
export async function socketInode(port: number): Promise<string | null> {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = await Deno.readTextFile(table);
    } catch {
      continue;
    }
    for (const row of text.split("\n").slice(1)) {
      const cols = row.trim().split(/\s+/);
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      if (cols[1]?.endsWith(`:${hex}`) && cols[9] && cols[9] !== "0") return cols[9];
    }
  }
  return null;
}

/** Which of `pids` has `socket:[inode]` open; undefined when none does (or /proc is closed to us). */
export async function pidHoldingSocket(
  inode: string,
  pids: readonly number[],
): Promise<number | undefined> {
  const target = `socket:[${inode}]`;
  for (const pid of pids) {
    try {
      for await (const entry of Deno.readDir(`/proc/${pid}/fd`)) {
        const link = await Deno.readLink(`/proc/${pid}/fd/${entry.name}`).catch(() => "");
        if (link === target) return pid;
      }
    } catch {
      // ended, or not ours to read
    }
  }
  return undefined;
}
