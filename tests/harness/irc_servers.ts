/**
 * Real IRC servers for the IRC connector's tests: InspIRCd 3 (Debian's `inspircd`) and ngIRCd
 * (`ngircd`), each started on free ports of 127.0.0.1 with a small config in a temp dir, found
 * or installed the way `scripts/nats_server.ts` finds nats-server (`$INSPIRCD_BIN`/
 * `$NGIRCD_BIN`, `PATH`, the sbin dirs, else `apt-get install` as root).
 *
 * InspIRCd listens on two ports with their own connect classes (`<connect port=...>`): users
 * connect to `port` (generous limits, so a test can burst commands), the bot to `botPort`,
 * where fakelag is off: a client past `penaltythreshold` is disconnected with "Excess Flood"
 * instead of slowed down (src/users.cpp `LocalUserIO::OnDataReady`), so a pacing fault shows
 * as a disconnect instead of hiding as a delay.
 *
 * @module
 */
import { freePort, waitFor } from "@quicksilver/testbed";

export type IrcdKind = "inspircd" | "ngircd";

/** The pacing that keeps a bot under the limits of {@linkcode IrcServer.botPort}. */
export const TEST_BOT_PACING = {
  // The bot class drains 8 s of penalty a second (commandrate 8000): 7 lines/s stays under it.
  inspircd: { burst: 5, perSecond: 7 },
  // ngIRCd has no rate setting; it holds back a client past a few commands per read.
  ngircd: { burst: 5, perSecond: 6 },
} as const;

const SBIN = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

async function isExecutable(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

async function lookup(name: string): Promise<string | undefined> {
  const env = Deno.env.get(`${name.toUpperCase()}_BIN`);
  if (env && await isExecutable(env)) return env;
  for (const dir of [...(Deno.env.get("PATH") ?? "").split(":"), ...SBIN]) {
    if (dir && await isExecutable(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

async function apt(args: string[]): Promise<boolean> {
  const out = await new Deno.Command("apt-get", { args, stdout: "null", stderr: "null" })
    .output().catch(() => undefined);
  return out?.success ?? false;
}

/** Finds an IRC server's executable, installing Debian's package as root; throws saying how. */
export async function findIrcd(kind: IrcdKind): Promise<string> {
  const found = await lookup(kind);
  if (found) return found;
  if (Deno.uid?.() === 0 && await isExecutable("/usr/bin/apt-get")) {
    if (!await apt(["install", "-y", "-qq", kind])) {
      await apt(["update", "-qq"]);
      await apt(["install", "-y", "-qq", kind]);
    }
    const installed = await lookup(kind);
    if (installed) return installed;
  }
  throw new Error(
    `${kind} not found; install it (sudo apt-get install -y ${kind}) or set ` +
      `${kind.toUpperCase()}_BIN to its path`,
  );
}

export interface IrcServerOptions {
  /** InspIRCd: load m_chanhistory and keep this many lines per channel (+H) on join. */
  history?: boolean;
  /** InspIRCd: the bot port's penalty threshold in seconds of penalty (default 10). */
  penaltyThreshold?: number;
  /**
   * InspIRCd: also listen with TLS on `tlsPort` (m_ssl_gnutls), with a self-signed
   * certificate for 127.0.0.1 made by openssl in the server's temp dir.
   */
  tls?: boolean;
}

/** A running IRC server; `restart()` stops it and starts it again on the same ports. */
export class IrcServer implements AsyncDisposable {
  readonly kind: IrcdKind;
  readonly port: number;
  readonly botPort: number;
  /** The TLS port (bot connect class), with `tls: true`. */
  readonly tlsPort: number;
  readonly dir: string;
  log = "";
  readonly #bin: string;
  readonly #config: string;
  #child: Deno.ChildProcess | undefined;
  #reading: Promise<void> | undefined;

  private constructor(kind: IrcdKind, bin: string, dir: string, config: string, ports: number[]) {
    this.kind = kind;
    this.#bin = bin;
    this.dir = dir;
    this.#config = config;
    this.port = ports[0]!;
    this.botPort = ports[1]!;
    this.tlsPort = ports[2] ?? 0;
  }

  static async start(kind: IrcdKind, options: IrcServerOptions = {}): Promise<IrcServer> {
    const bin = await findIrcd(kind);
    const dir = await Deno.makeTempDir({ prefix: `quicksilver-${kind}-` });
    await Deno.chmod(dir, 0o777); // ngIRCd drops to nobody and writes its pid file here
    const ports = [freePort(), freePort(), ...(options.tls ? [freePort()] : [])];
    if (options.tls) await selfSignedCertificate(dir);
    const config = `${dir}/${kind}.conf`;
    await Deno.writeTextFile(
      config,
      kind === "inspircd" ? inspircdConfig(dir, ports, options) : ngircdConfig(dir, ports),
    );
    const server = new IrcServer(kind, bin, dir, config, ports);
    await server.#launch();
    return server;
  }

  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  async #launch() {
    const args = this.kind === "inspircd"
      ? ["--runasroot", "--nofork", "--nopid", `--config=${this.#config}`]
      : ["--nodaemon", "--config", this.#config];
    this.#child = new Deno.Command(this.#bin, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const child = this.#child;
    const decoder = new TextDecoder();
    const collect = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) {
        if (this.log.length < 200_000) this.log += decoder.decode(chunk, { stream: true });
      }
    };
    this.#reading = Promise.all([collect(child.stdout), collect(child.stderr)]).then(() => {});
    await waitFor(async () => {
      for (const port of [this.port, this.botPort, ...(this.tlsPort ? [this.tlsPort] : [])]) {
        try {
          (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        } catch {
          return false;
        }
      }
      return true;
    }, { timeoutMs: 15_000, what: `${this.kind} to listen\n${this.log}` });
  }

  /** Stops the server (SIGTERM, then SIGKILL after 3 s). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 3000);
    await child.status;
    clearTimeout(timer);
    await this.#reading;
  }

  /** Stops and starts the server again on the same ports (every client is disconnected). */
  async restart(): Promise<void> {
    await this.stop();
    await this.#launch();
  }

  async close(): Promise<void> {
    await this.stop();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * InspIRCd 3 config (docs.inspircd.org/3/configuration, /etc/inspircd/inspircd.conf): IRCv3
 * modules for message tags, msgid, server-time and echo-message; halfop and owner through
 * m_customprefix; no DNS or ident lookups (they would add seconds to every connect).
 */
function inspircdConfig(
  dir: string,
  [port, botPort, tlsPort]: number[],
  options: IrcServerOptions,
) {
  const threshold = options.penaltyThreshold ?? 10;
  const tls = options.tls
    ? `<module name="ssl_gnutls">
<sslprofile name="test" provider="gnutls" certfile="${dir}/cert.pem" keyfile="${dir}/key.pem" hash="sha256" requestclientcert="no">
<bind address="127.0.0.1" port="${tlsPort}" type="clients" sslprofile="test">
<connect name="bot-tls" allow="*" port="${tlsPort}" timeout="30" pingfreq="120"
  commandrate="8000" penaltythreshold="${threshold}" fakelag="no"
  localmax="100" globalmax="100" resolvehostnames="no" useident="no">`
    : "";
  return `${tls}
<server name="irc.inspircd.test" description="Quicksilver test" network="TestNet">
<admin name="test" nick="test" email="test@localhost">
<bind address="127.0.0.1" port="${port}" type="clients">
<bind address="127.0.0.1" port="${botPort}" type="clients">
<connect name="users" allow="*" port="${port}" timeout="30" pingfreq="120" recvq="65536"
  sendq="1048576" softsendq="1048576" commandrate="100000" penaltythreshold="200" fakelag="yes"
  localmax="100" globalmax="100" resolvehostnames="no" useident="no" maxchans="50">
<connect name="bot" allow="*" port="${botPort}" timeout="30" pingfreq="120"
  commandrate="8000" penaltythreshold="${threshold}" fakelag="no"
  localmax="100" globalmax="100" resolvehostnames="no" useident="no">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="${dir}/ircd.log">
<dns server="127.0.0.1" timeout="1">
<security hideserver="" userstats="Pu" flatlinks="no" hidesplits="no" hidebans="no" maxtargets="20">
<options prefixquit="Quit: " syntaxhints="no" announcets="yes" hostintopic="yes" pingwarning="15" splitwhois="no" exemptchanops="">
<performance softlimit="1024" somaxconn="128" netbuffersize="10240" clonesoncreate="no" quietbursts="yes">
<module name="cap">
<module name="ircv3">
<module name="ircv3_ctctags">
<module name="ircv3_msgid">
<module name="ircv3_servertime">
<module name="ircv3_echomessage">
<module name="namesx">
<module name="customprefix">
<customprefix name="founder" letter="q" prefix="~" rank="50000" ranktoset="50000" ranktounset="50000" depriv="yes">
<customprefix name="admin" letter="a" prefix="&amp;" rank="40000" ranktoset="50000" ranktounset="50000" depriv="yes">
<customprefix name="halfop" letter="h" prefix="%" rank="20000" ranktoset="30000" ranktounset="30000" depriv="yes">
${
    options.history
      ? '<module name="chanhistory">\n<chanhistory maxlines="50" notice="no" bots="yes">'
      : ""
  }
`;
}

async function selfSignedCertificate(dir: string) {
  const out = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `openssl could not make a test certificate: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

/** ngIRCd config (ngircd.conf(5)): no PAM, ident or DNS; no per-IP connection cap. */
function ngircdConfig(dir: string, [port, botPort]: number[]) {
  return `[Global]
Name = irc.ngircd.test
Info = Quicksilver test
Listen = 127.0.0.1
Ports = ${port}, ${botPort}
PidFile = ${dir}/ngircd.pid
MotdPhrase = test server
[Limits]
MaxConnectionsIP = 0
MaxJoins = 50
PingTimeout = 120
[Options]
PAM = no
Ident = no
DNS = no
`;
}
