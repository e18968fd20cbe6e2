/**
 * What a flow may ask of routing, and nothing more: a decision for this caller (group, wait, priority, reasons),
 * the hand-over to a group, and callback slots and bookings. The runtime's `route`, `transfer` and `offerCallback`
 * steps are written against this port; the composition root provides it from `src/routing` and `src/store`
 * (`app-routing.ts`). Without one (the designer's simulator, unit tests of other steps) transfers go to the URIs of
 * the static group list, as before routing existed.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import type { AgentGroup, RoutingDecision } from '../../routing/routing-types.js';

export interface FlowRouteRequest {
  readonly callId: string;
  readonly dialledNumber: string;
  readonly language: ConversationLanguage;
  readonly intent: string | null;
  readonly confidence: number | null;
  readonly entities: Readonly<Record<string, unknown>>;
  readonly recognitionFailures: number;
  readonly vulnerabilityDeclared: boolean;
  /** A skill or a group id the flow names (`transfer { target }`, `route { skill }`); null = from the rules. */
  readonly target: string | null;
  readonly level: 1 | 2 | null;
}

/** A proposed callback time. */
export interface FlowCallbackSlot {
  /** ISO instants. */
  readonly start: string;
  readonly end: string;
}

export interface FlowCallbackBookingRequest {
  readonly callId: string;
  readonly groupId: string;
  readonly language: ConversationLanguage;
  readonly intent: string | null;
  /** The number to call back, as the caller confirmed or keyed it (digits, national or E.164). */
  readonly number: string;
  readonly slot: FlowCallbackSlot;
  readonly priority: number;
  /** Routing context passed on to the agent when the callback is transferred. */
  readonly context: Readonly<Record<string, unknown>>;
}

export interface FlowCallbackBooking {
  readonly callbackId: string;
  readonly slot: FlowCallbackSlot;
}

export interface FlowRouting {
  /** The routing decision for this caller now. Never throws for a Redis outage (decided on file defaults). */
  route(request: FlowRouteRequest): Promise<RoutingDecision>;
  /** A group by id (fallback transfers). */
  group(groupId: string): AgentGroup | null;
  /** The call was handed over to `groupId` (load counters). */
  handedOver(groupId: string, callId: string): void;
  /** Next free callback slots of a group. */
  callbackSlots(groupId: string): Promise<readonly FlowCallbackSlot[]>;
  bookCallback(request: FlowCallbackBookingRequest): Promise<FlowCallbackBooking>;
}
