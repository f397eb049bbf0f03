// Ethernet arithmetic, so an offered load can be checked against a link before anything runs.

/** Preamble + start delimiter (8) and inter-frame gap (12): on the wire, not in the frame. */
export const WIRE_OVERHEAD = 20;
/** Ethernet header (14) and FCS (4) around the payload. */
export const FRAME_OVERHEAD = 18;
/** IPv4 (20) and UDP (8) headers. */
export const IP_UDP_HEADERS = 28;

/** Bytes one UDP datagram occupies on the wire: 1472 bytes of payload → 1538. */
export function wireBytesForUdpPayload(payloadBytes: number): number {
  return payloadBytes + IP_UDP_HEADERS + FRAME_OVERHEAD + WIRE_OVERHEAD;
}

/** Bytes one Ethernet frame (FCS included) occupies on the wire: 1518 → 1538, 64 → 84. */
export function wireBytesForFrame(frameBytes: number): number {
  return frameBytes + WIRE_OVERHEAD;
}

/** Most packets per second a link carries when each takes `wireBytes`. */
export function maxPps(rateMbps: number, wireBytes: number): number {
  return Math.floor((rateMbps * 1e6) / (wireBytes * 8));
}

/** Mb/s a packet rate needs on the wire. */
export function wireMbps(pps: number, wireBytes: number): number {
  return (pps * wireBytes * 8) / 1e6;
}

/** UDP payload goodput at line rate: 1472-byte payloads on 1 Gb/s → 957.1 Mb/s. */
export function udpGoodputMbps(rateMbps: number, payloadBytes: number): number {
  return (rateMbps * payloadBytes) / wireBytesForUdpPayload(payloadBytes);
}
