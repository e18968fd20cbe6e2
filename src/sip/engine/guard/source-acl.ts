/**
 * Allow list of SIP source addresses. Checked on every inbound message before parsing, so it is a plain
 * lookup in a `net.BlockList` built once from CIDR blocks.
 */
import { BlockList, isIP } from 'node:net';

export class SourceAcl {
  private readonly allowed = new BlockList();

  /**
   * @param cidrs `a.b.c.d/n`, `x::y/n` or bare addresses (a single host). Throws `RangeError` on an invalid entry.
   */
  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      this.add(cidr);
    }
  }

  /**
   * Dual-stack sockets report IPv4 peers as `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2); BlockList matches those
   * against the IPv4 rules itself. Anything that is not an IP address is refused.
   */
  allows(address: string): boolean {
    const family = isIP(address);
    if (family === 0) {
      return false;
    }
    return this.allowed.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  private add(cidr: string): void {
    const slash = cidr.indexOf('/');
    const address = slash < 0 ? cidr : cidr.slice(0, slash);
    const family = isIP(address);
    const maxPrefix = family === 4 ? 32 : 128;
    const prefixText = slash < 0 ? String(maxPrefix) : cidr.slice(slash + 1);
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
    if (family === 0 || prefix < 0 || prefix > maxPrefix) {
      throw new RangeError(`invalid CIDR block: ${JSON.stringify(cidr)}`);
    }
    this.allowed.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
}
