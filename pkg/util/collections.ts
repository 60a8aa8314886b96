/** Appends to the list kept under key (in place: spreading a growing list on every add is quadratic). */
export function pushTo<K, V>(m: Map<K, V[]>, key: K, value: V): void {
  const list = m.get(key);
  if (list) list.push(value);
  else m.set(key, [value]);
}
