/** Staff login / logout: switch the principal, and with it the synced scope. */
import { ctx, session, type User } from "./state";
import { request } from "../lib/api";

export async function login(username: string, password: string): Promise<User> {
  const res = await request<{ token: string; role: string; user?: User }>("/api/v1/auth/login", { body: { username, password } });
  const user: User = res.user ?? { id: username, name: username, role: res.role };
  await switchPrincipal(res.token, res.role, user);
  return user;
}

export async function logout(): Promise<void> {
  const device = await ctx.repo.getMeta<string>("deviceToken");
  await switchPrincipal(device ?? null, "citizen", null);
}

async function switchPrincipal(token: string | null, role: string, user: User | null): Promise<void> {
  await ctx.repo.wipeSynced();
  await ctx.repo.setMeta("token", token);
  await ctx.repo.setMeta("role", role);
  await ctx.repo.setMeta("user", user);
  session.value = { role, user };
  ctx.sync.schedule(0);
}

export async function restoreSession(): Promise<void> {
  const role = (await ctx.repo.getMeta<string>("role")) ?? "citizen";
  const user = (await ctx.repo.getMeta<User>("user")) ?? null;
  session.value = { role, user };
}

export async function refreshMe(): Promise<void> {
  const token = await ctx.repo.getMeta<string>("token");
  if (!token || session.value.role === "citizen") return;
  try {
    const me = await request<User>("/api/v1/me", { token });
    await ctx.repo.setMeta("user", me);
    session.value = { role: me.role ?? session.value.role, user: me };
  } catch {
    /* offline: keep what we have */
  }
}
