/**
 * NATS subject matching: `*` matches exactly one token, `>` one or more trailing tokens.
 * Used by permission code (does a grant cover a subject?) and by tests.
 */

/** True when `subject` (a concrete subject, or a pattern) is matched by `pattern`. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    const pt = p[i];
    if (pt === ">") return s.length > i;
    const st = s[i];
    if (st === undefined) return false;
    if (pt === "*") {
      // A `>` in the subject is wider than `*`: "*" does not cover "a.>".
      if (st === ">") return false;
      continue;
    }
    if (pt !== st) return false;
  }
  return p.length === s.length;
}

/**
 * True when some concrete subject is matched by both patterns: `a.*.c` and `a.b.*` overlap
 * although neither covers the other. The question to ask before granting a pattern next to a
 * deny list: the server refuses the overlap, so a grant that overlaps a denied branch is a
 * mistake to report, not a right.
 */
export function subjectsOverlap(a: string, b: string): boolean {
  const x = a.split(".");
  const y = b.split(".");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const xt = x[i];
    const yt = y[i];
    if (xt === undefined || yt === undefined) return false;
    if (xt === ">" || yt === ">") return true;
    if (xt !== "*" && yt !== "*" && xt !== yt) return false;
  }
  return true;
}

/** True when any pattern in `patterns` matches `subject`. */
export function anySubjectMatches(patterns: readonly string[], subject: string): boolean {
  return patterns.some((p) => subjectMatches(p, subject));
}

/**
 * True when every subject matched by `inner` is also matched by `outer` (pattern containment):
 * the question a permission checker asks of a requested grant.
 */
export function patternCovers(outer: string, inner: string): boolean {
  return subjectMatches(outer, inner);
}

/** True when a subject is a valid concrete subject (no wildcards, no empty tokens). */
export function isConcreteSubject(subject: string): boolean {
  return subject.length > 0 && !/\s/.test(subject) &&
    subject.split(".").every((t) => t.length > 0 && t !== "*" && t !== ">");
}
