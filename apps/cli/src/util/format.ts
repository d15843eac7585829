/** aws-cli's human_readable_size (awscli/customizations/s3/utils.py). */
const SUFFIXES = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

export function humanSize(value: number): string {
  if (value === 1) return '1 Byte';
  if (value < 1024) return `${Math.trunc(value)} Bytes`;
  for (let i = 0; i < SUFFIXES.length; i++) {
    const unit = 1024 ** (i + 2);
    if (Math.round((value / unit) * 1024) < 1024) return `${((1024 * value) / unit).toFixed(1)} ${SUFFIXES[i]}`;
  }
  return `${(value / 1024 ** 6).toFixed(1)} EiB`;
}

/** `YYYY-MM-DD HH:MM:SS` in local time, as `aws s3 ls` prints it. */
export function lsTime(d: Date | undefined): string {
  if (!d) return ''.padEnd(19);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
