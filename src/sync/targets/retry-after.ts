/**
 * Time to wait after a 429: Retry-After (delta-seconds or an HTTP-date, RFC 9110 §10.2.3), else Genesys's
 * inin-ratelimit-reset (seconds), else a minute (docs/genesys-platform-api.md). A header that is neither is unusable and
 * passed over, never read as "retry at once".
 */
export function retryAfterMs(headers: Pick<Headers, "get">, now: number): number {
  // Delta-seconds is a non-negative whole number; a decimal fraction is read too, rounded up to a whole
  // millisecond. Not a sign, an exponent, hex, other text or an empty value. The arithmetic is on the
  // digits: 0.29 * 1000 in floating point is 290.00000000000006.
  const seconds = (value: string | null): number | null => {
    const m = value === null ? null : /^(\d+)(?:\.(\d+))?$/.exec(value.trim());
    if (!m) return null;
    const frac = m[2] ?? "";
    const ms = Number(m[1]) * 1000 + Number(frac.slice(0, 3).padEnd(3, "0")) + (/[1-9]/.test(frac.slice(3)) ? 1 : 0);
    return Number.isFinite(ms) ? ms : null;
  };
  // An HTTP-date (RFC 9110 §5.6.7): IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, and the obsolete
  // rfc850-date `Sunday, 06-Nov-94 08:49:37 GMT` and asctime-date `Sun Nov  6 08:49:37 1994`.
  const httpDate = (value: string): number | null => {
    const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const day = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
    const month = `(${months.join("|")})`;
    const time = "(\\d{2}):(\\d{2}):(\\d{2})";
    let parts: { d: string; mon: string; y: string; h: string; mi: string; s: string } | null = null;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^${day}, (\\d{2}) ${month} (\\d{4}) ${time} GMT$`).exec(value))) {
      parts = { d: m[1]!, mon: m[2]!, y: m[3]!, h: m[4]!, mi: m[5]!, s: m[6]! };
    } else if ((m = new RegExp(`^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, (\\d{2})-${month}-(\\d{2}) ${time} GMT$`).exec(value))) {
      // a two-digit year more than 50 years ahead is the most recent past year with those digits
      const thisYear = new Date(now).getUTCFullYear();
      let y = Math.floor(thisYear / 100) * 100 + Number(m[3]);
      if (y > thisYear + 50) y -= 100;
      parts = { d: m[1]!, mon: m[2]!, y: String(y), h: m[4]!, mi: m[5]!, s: m[6]! };
    } else if ((m = new RegExp(`^${day} ${month} (\\d{2}| \\d) ${time} (\\d{4})$`).exec(value))) {
      parts = { d: m[2]!, mon: m[1]!, y: m[6]!, h: m[3]!, mi: m[4]!, s: m[5]! };
    }
    if (!parts) return null;
    const [d, mon, y, h, mi, s] = [
      Number(parts.d),
      months.indexOf(parts.mon),
      Number(parts.y),
      Number(parts.h),
      Number(parts.mi),
      Number(parts.s),
    ];
    // second 60 is a leap second (read as the next minute); 31 Nov or 25:00:00 is no date
    if (d < 1 || h > 23 || mi > 59 || s > 60) return null;
    const at = new Date(0);
    at.setUTCFullYear(y, mon, d); // not Date.UTC, which reads the years 0 to 99 as 1900 to 1999
    if (at.getUTCDate() !== d) return null;
    return at.setUTCHours(h, mi, s, 0);
  };
  const ra = headers.get("retry-after");
  if (ra !== null) {
    const ms = seconds(ra);
    if (ms !== null) return ms;
    const at = httpDate(ra.trim());
    if (at !== null) return Math.max(0, at - now);
  }
  return seconds(headers.get("inin-ratelimit-reset")) ?? 60_000;
}
