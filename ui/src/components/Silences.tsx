// Silences: hold matching alerts back from the channels for a while (they still show here).
// Hidden when the backend offers no /api/silences.

import { type FormEvent, useCallback, useState } from "react";

import { api, type Matchers, type Severity, type Silence } from "../api";
import { formatTime } from "../format";
import { usePoll } from "../hooks";

/** A silence's matchers as `target=checkout* severity=critical`. */
export function matcherText(silence: Silence): string {
  const parts = Object.entries(silence.matchers).map(([name, value]) =>
    Array.isArray(value) ? `${name}=${value.join("|")}` : `${name}=${String(value)}`,
  );
  if (silence.incident_id) parts.push(`incident=${silence.incident_id}`);
  return parts.join(" ");
}

export function Silences() {
  const load = useCallback(() => api.silences(), []);
  const { data } = usePoll(load, 5_000);
  const [target, setTarget] = useState("");
  const [severity, setSeverity] = useState<Severity | "">("");
  const [minutes, setMinutes] = useState(60);
  const [comment, setComment] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [extra, setExtra] = useState<Silence[]>([]);
  if (data === null) return null;
  const now = Date.now();
  const known = new Map([...data.items, ...extra].map((s) => [s.id, s]));
  const shown = [...known.values()].sort((a, b) => b.starts_at - a.starts_at);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const matchers: Matchers = {};
    if (target.trim()) matchers.target = [target.trim()];
    if (severity) matchers.severity = [severity];
    api
      .createSilence({ matchers, duration_s: minutes * 60, comment })
      .then((made) => {
        setExtra((old) => [...old, made]);
        setMessage(`Silenced ${matcherText(made)} until ${formatTime(made.ends_at)}`);
      })
      .catch((reason: unknown) => setMessage(String(reason)));
  };
  const expire = (id: string) =>
    api
      .expireSilence(id)
      .then((ended) => setExtra((old) => [...old.filter((s) => s.id !== id), ended]))
      .catch((reason: unknown) => setMessage(String(reason)));

  return (
    <div className="panel silences" data-testid="silences">
      <h3>Silences</h3>
      <form className="toolbar" onSubmit={submit}>
        <input
          aria-label="Silence target"
          placeholder="target (checkout*)"
          value={target}
          onChange={(e) => setTarget(e.target.value)}
        />
        <select
          aria-label="Silence severity"
          value={severity}
          onChange={(e) => setSeverity(e.target.value as Severity | "")}
        >
          <option value="">any severity</option>
          <option value="critical">critical</option>
          <option value="warning">warning</option>
          <option value="info">info</option>
        </select>
        <input
          aria-label="Silence minutes"
          type="number"
          min={1}
          value={minutes}
          onChange={(e) => setMinutes(Number(e.target.value) || 1)}
        />
        <input
          aria-label="Silence comment"
          placeholder="why"
          value={comment}
          onChange={(e) => setComment(e.target.value)}
        />
        <button type="submit">Silence</button>
      </form>
      {message && <p className="muted">{message}</p>}
      <ul>
        {shown.map((s) => (
          <li key={s.id} className={s.ends_at > now ? "" : "muted"}>
            {matcherText(s)} · until {formatTime(s.ends_at)}
            {s.comment && ` · ${s.comment}`}
            {s.ends_at > now && (
              <button type="button" className="secondary" onClick={() => expire(s.id)}>
                Expire
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
