const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Formats an integer amount of minor units (cents) as money: 1250 EUR → "€12.50". */
export function formatMoney(minorUnits: number | undefined | null, currency = 'EUR'): string {
  if (minorUnits === undefined || minorUnits === null || !Number.isFinite(minorUnits)) return '–';
  let fmt = moneyFormats.get(currency);
  if (!fmt) {
    try {
      fmt = new Intl.NumberFormat('en-IE', { style: 'currency', currency });
    } catch {
      // an unknown currency code: show the plain number with the code
      return `${(minorUnits / 100).toFixed(2)} ${currency}`;
    }
    moneyFormats.set(currency, fmt);
  }
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return fmt.format(minorUnits / 10 ** digits);
}

/** "2024-05-01T10:00:00Z" → a short local date and time; unparsable input is shown as is. */
export function formatTime(iso: string | undefined | null): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** The first block of a UUID, enough to tell ids apart on screen. */
export function shortId(id: string | undefined | null): string {
  if (!id) return '–';
  const dash = id.indexOf('-');
  return dash > 0 ? id.slice(0, dash) : id.slice(0, 8);
}

/** Size in bytes of a string once encoded as UTF-8. */
export function byteSize(text: string): number {
  return new TextEncoder().encode(text).length;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  return `${(n / 1024).toFixed(1)} KiB`;
}

/** Newest first by an RFC 3339 timestamp field. */
export function newestFirst<T>(list: T[], key: (item: T) => string | undefined): T[] {
  return [...list].sort((a, b) => {
    const ta = Date.parse(key(a) ?? '') || 0;
    const tb = Date.parse(key(b) ?? '') || 0;
    return tb - ta;
  });
}
