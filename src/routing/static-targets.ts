/**
 * The transfer targets a flow may name, from the groups file: every group id and every skill, each with a SIP URI
 * (a skill: the first group in file order holding it). The flow validator checks literal targets against it, and
 * the designer's simulator (which runs without Redis) transfers to these URIs.
 */
import { join, resolve } from 'node:path';
import type { AiguilleurConfig } from '../config/config-types.js';
import { packageRoot } from '../config/package-info.js';
import { loadGroupsFile } from './groups-file.js';
import type { RoutingConfig } from './routing-types.js';

export interface StaticTarget {
  readonly uri: string;
  readonly label: string;
}

export function staticTransferTargets(config: RoutingConfig): Record<string, StaticTarget> {
  const targets: Record<string, StaticTarget> = {};
  for (const group of config.groups.values()) {
    targets[group.id] = { uri: group.uris[0] ?? '', label: group.name };
  }
  for (const group of config.groups.values()) {
    for (const skill of Object.keys(group.skills)) {
      if (!Object.hasOwn(targets, skill)) {
        targets[skill] = { uri: group.uris[0] ?? '', label: `${group.name} (skill ${skill})` };
      }
    }
  }
  return targets;
}

/** The groups file the configuration names (`routing.groupsFile`), else the installation's `config/groups.yaml`. */
export function groupsFilePath(config: Pick<AiguilleurConfig, 'routing'>): string {
  return resolve(config.routing.groupsFile ?? join(packageRoot(), 'config', 'groups.yaml'));
}

/** The static targets of the configured groups file; rejects with `AIG_ERR_ROUTING_INVALID` when it is invalid. */
export async function loadTransferTargets(
  config: Pick<AiguilleurConfig, 'routing'>,
): Promise<Record<string, StaticTarget>> {
  return staticTransferTargets(await loadGroupsFile(groupsFilePath(config)));
}
