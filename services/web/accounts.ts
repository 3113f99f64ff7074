/**
 * Operator accounts: those in `rosey.yaml` (`web.accounts`), or, when there are none, one
 * `admin` account created on the first run with a generated password that is shown once and
 * kept only as a hash in `.rosey/web/accounts.json`.
 */
import { z } from "zod";
import { generatePassword, hashPassword, verifyPassword } from "./password.ts";
import { readStateFile, writeStateFile } from "./_state_file.ts";

const GeneratedAccountsSchema = z.record(z.string(), z.string());

/** The generated account's name. */
export const FIRST_RUN_ACCOUNT = "admin";

/** What the first run created: shown to the operator once, never stored in clear. */
export interface FirstRunCredentials {
  user: string;
  password: string;
}

export class AccountStore {
  readonly #hashes: Map<string, string>;
  /** A hash checked when the name is unknown, so a wrong name costs as long as a wrong password. */
  readonly #decoy: string;

  private constructor(hashes: Map<string, string>, decoy: string) {
    this.#hashes = hashes;
    this.#decoy = decoy;
  }

  /**
   * The configured accounts; with none, the generated ones in `<dir>/accounts.json`, created
   * (with `firstRun` set) when that file does not exist yet.
   */
  static async open(
    configured: Record<string, string>,
    dir: string,
  ): Promise<{ accounts: AccountStore; firstRun?: FirstRunCredentials }> {
    const decoy = "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A".repeat(43) + "=";
    if (Object.keys(configured).length > 0) {
      return { accounts: new AccountStore(new Map(Object.entries(configured)), decoy) };
    }
    const path = `${dir}/accounts.json`;
    const generated = await readStateFile(path, GeneratedAccountsSchema, {});
    if (Object.keys(generated).length > 0) {
      return { accounts: new AccountStore(new Map(Object.entries(generated)), decoy) };
    }
    const password = generatePassword();
    const hashes = { [FIRST_RUN_ACCOUNT]: await hashPassword(password) };
    await writeStateFile(path, hashes);
    return {
      accounts: new AccountStore(new Map(Object.entries(hashes)), decoy),
      firstRun: { user: FIRST_RUN_ACCOUNT, password },
    };
  }

  /** True when the name exists and the password matches. */
  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.#hashes.get(user);
    const matches = await verifyPassword(password, hash ?? this.#decoy);
    return hash !== undefined && matches;
  }
}
