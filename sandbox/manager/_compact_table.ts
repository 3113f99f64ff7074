/**
 * The plugin table as it goes on the bus: republished every few seconds (each CPU/memory sample),
 * so each plugin's `access` leaves out its empty lists. `PluginTableSchema` gives them back as
 * `[]` (its defaults), so readers parse the same table.
 */
import type { PluginAccess, PluginTable } from "@quicksilver/core";

/** Drops the empty lists of every plugin's `access`; everything else is kept as is. */
export function compactTable(table: PluginTable): unknown {
  return {
    ...table,
    plugins: table.plugins.map((p) => p.access ? { ...p, access: compactAccess(p.access) } : p),
  };
}

function compactAccess(access: PluginAccess): Record<string, unknown> {
  const lists = (set: PluginAccess["asked"]) =>
    Object.fromEntries(Object.entries(set).filter(([, items]) => items.length > 0));
  const asked = lists(access.asked);
  const granted = lists(access.granted);
  return {
    ...(Object.keys(asked).length > 0 ? { asked } : {}),
    ...(access.askedMemoryMb !== undefined ? { askedMemoryMb: access.askedMemoryMb } : {}),
    ...(Object.keys(granted).length > 0 ? { granted } : {}),
    ...(access.notGranted.length > 0 ? { notGranted: access.notGranted } : {}),
    limits: access.limits,
  };
}
