/** The `ar` archive a .deb is: a global header, then a 60-byte header and the data (padded to even) per member. */

export interface ArMember {
  name: string;
  data: Uint8Array;
}

function field(value: string | number, width: number): string {
  return String(value).padEnd(width, ' ');
}

/** Every member owned by 0:0 with mode 100644 at `mtime`, as dpkg-deb writes it. */
export function writeAr(members: readonly ArMember[], mtime: number): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n', 'ascii')];
  for (const member of members) {
    if (member.name.length > 16) throw new Error(`ar member name ${member.name} is longer than 16 bytes`);
    const head = `${field(member.name, 16)}${field(mtime, 12)}${field(0, 6)}${field(0, 6)}${field('100644', 8)}${field(member.data.length, 10)}\`\n`;
    parts.push(Buffer.from(head, 'ascii'), Buffer.from(member.data));
    if (member.data.length % 2 === 1) parts.push(Buffer.from('\n', 'ascii'));
  }
  return Buffer.concat(parts);
}
