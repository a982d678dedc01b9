/** Wire types of POST /api/v1/sync (DESIGN.md §2), generated from the server's OpenAPI document. */
import type { components } from "../generated/api";

type Schemas = components["schemas"];

export type OpKind = Schemas["Op"]["kind"];
/** An op as a replica makes it; `seq` is set on the ones that came from the server's log. */
export type Op = Schemas["Op"] & { seq?: number };
export type Change = Schemas["Change"];
export type RecordChanges = Schemas["RecordChanges"];
export type Rejection = Schemas["Rejection"];
export type SyncRequest = Schemas["SyncRequest"];
export type SyncResponse = Schemas["SyncResponse"];
export type ErrorBody = Schemas["ErrorBody"];

export type View = Record<string, unknown>;
