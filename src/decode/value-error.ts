/** Thrown for a value that cannot be decoded; the caller turns it into a poison record. */
export class ValueError extends Error {
  readonly reason: string;
  readonly path: string;

  constructor(reason: string, path = '') {
    super(path ? `${path}: ${reason}` : reason);
    this.reason = reason;
    this.path = path;
  }

  /** The same error one level further out: "amount" under "after" is "after.amount". */
  under(parent: string): ValueError {
    const path = !this.path
      ? parent
      : this.path.startsWith('[')
        ? parent + this.path
        : `${parent}.${this.path}`;
    return this.at(path);
  }

  protected at(path: string): ValueError {
    return new ValueError(this.reason, path);
  }
}

/**
 * A value over one of the DecodeLimits. Unlike other value errors it does not depend on how the
 * document was parsed (a string's bytes, a decimal's digits, a nesting depth are the same after
 * JSON.parse and after the exact parser), so the fast path refuses it at once instead of handing
 * the record to the exact path to be parsed a second time.
 */
export class LimitExceeded extends ValueError {
  protected override at(path: string): ValueError {
    return new LimitExceeded(this.reason, path);
  }
}
