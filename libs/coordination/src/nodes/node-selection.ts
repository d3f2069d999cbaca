/**
 * The placement policy, as a Lua function that RoomPlacement's script calls: it must run inside
 * the one script that also claims the room, so that rooms placed at the same moment by several
 * control instances each see the load the others just added (a burst of joins spreads evenly).
 *
 * `choose_node(candidates, need)` takes a list of live, non-draining nodes of one kind, each
 * `{ id, capacity, load, rooms }` (load: participants of the rooms it serves, a room that is
 * placed but still empty counting as one, since its first participant is on the way; rooms: how
 * many), and `need` (participants the room brings: one for a new room, all its members for a
 * room that moves). It returns the index of the least loaded node that has room for `need` more
 * without passing its capacity, by load, then rooms, then id (so the choice is deterministic),
 * or nil when every node is full.
 */
export const CHOOSE_NODE_LUA = `
local function choose_node(candidates, need)
  local best = nil
  for i, c in ipairs(candidates) do
    if c.load + need <= c.capacity then
      local b = best and candidates[best]
      if b == nil or c.load < b.load or (c.load == b.load and (c.rooms < b.rooms
          or (c.rooms == b.rooms and c.id < b.id))) then
        best = i
      end
    end
  end
  return best
end
`;
