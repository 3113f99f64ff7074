/**
 * Quicksilver's core: the contract every process shares. The event bus, the subject tree, the
 * event model and its schemas, auth primitives, logging, health reports and the config
 * machinery. Services, connectors, the sandbox and the composition root import from here; the
 * core imports none of them.
 *
 * A curated list: what another unit may rely on. Internals (the wire protocol parser, the
 * hand-written wire checks' building blocks, the connection interface the clients implement)
 * stay behind their folders.
 *
 * @module
 */

// The event bus: connect, publish, subscribe, request/serve, durable streams, typed errors.
export {
  BusClosedError,
  BusConnectError,
  BusPermissionError,
  BusRequestError,
  consumeEvents,
  CORE_STREAMS,
  DurableStreams,
  ensureCoreStreams,
  errorText,
  EventBus,
  EventOutbox,
  EVENTS_STREAM,
  eventsStreamMode,
  JETSTREAM_API,
  readEvents,
  REQUEST_FAILURES,
  SERVICE_STATE_STREAM,
  ServiceState,
  serviceStateAdminRights,
  serviceStateKey,
  serviceStateRights,
} from "./bus/mod.ts";
export type {
  BusCounters,
  BusStatus,
  BusStatusEvent,
  BusSubscription,
  BusTlsFiles,
  ConnectionEvent,
  DurableConsumer,
  DurableConsumerSpec,
  DurableDelivery,
  DurablePublishOptions,
  EventBusOptions,
  MessageContext,
  MessageHandler,
  OutboxMode,
  OutboxStats,
  PublishAck,
  RequestFailure,
  RequestOptions,
  ServeOptions,
  StreamReaderSpec,
  StreamSpec,
  SubscribeOptions,
} from "./bus/mod.ts";

// The subject tree (the only place that spells `rosey.`) and subject matching.
export {
  anySubjectMatches,
  EVENT_TYPES,
  inboxPrefix,
  isConcreteSubject,
  KV_BUCKETS,
  patternCovers,
  ROOT,
  STREAMS,
  SubjectError,
  subjectMatches,
  subjects,
  subjectsOverlap,
  token,
} from "./subjects/mod.ts";
export type { EventType } from "./subjects/mod.ts";

// The event model: envelope, payloads, commands, manifests, channel and stats schemas, decoding.
export {
  ActionResultSchema,
  AuditRecordSchema,
  ChannelJoinedPayloadSchema,
  ChannelLeftPayloadSchema,
  ChannelPresencePayloadSchema,
  ChannelQuerySchema,
  ChannelSnapshotSchema,
  ChannelStatsQuerySchema,
  ChannelStatsReplySchema,
  ChannelStatsSchema,
  ChannelUserCountPayloadSchema,
  ChannelUserSchema,
  ChatActionSchema,
  COMMAND_ERROR_CODES,
  COMMAND_WORD,
  CommandErrorSchema,
  CommandExecuteSchema,
  CommandResultSchema,
  CommandSpecSchema,
  compiledValidator,
  createEnvelope,
  decode,
  decodeEnvelope,
  encodeJson,
  envelopeOf,
  EnvelopeSchema,
  EventDecodeError,
  MAX_ARG_LENGTH,
  MAX_ARGS,
  MAX_COMMAND_DEADLINE_MS,
  MediaChangePayloadSchema,
  MediaSchema,
  MessagePayloadSchema,
  newEventId,
  parseCommand,
  parseJson,
  PeakSchema,
  PLATFORM_ACTIONS,
  PlaylistAddPayloadSchema,
  PlaylistItemSchema,
  PlaylistMovePayloadSchema,
  PlaylistRemovePayloadSchema,
  PlaylistResetPayloadSchema,
  PLUGIN_NAME,
  PLUGIN_STATES,
  PluginAccessSchema,
  PluginGrantSetSchema,
  PluginLaunchLimitsSchema,
  PluginManifestSchema,
  PluginSaySchema,
  PluginStatusSchema,
  PluginTableSchema,
  PrivateMessageActionSchema,
  RANKS,
  SecurityViolationSchema,
  SourceSchema,
  splitArgs,
  STATS_QUERIES,
  UserJoinPayloadSchema,
  UserLeavePayloadSchema,
  UserRenamePayloadSchema,
  UserSchema,
  UserStatsQuerySchema,
  UserStatsReplySchema,
  UserStatsSchema,
  UserUpdatePayloadSchema,
  validate,
} from "./events/mod.ts";
export type {
  ActionResult,
  AuditRecord,
  ChannelPresencePayload,
  ChannelQuery,
  ChannelSnapshot,
  ChannelStats,
  ChannelStatsQuery,
  ChannelStatsReply,
  ChannelUser,
  ChannelUserCountPayload,
  ChatAction,
  CommandErrorCode,
  CommandExecute,
  CommandResult,
  CommandSpec,
  Envelope,
  Media,
  MediaChangePayload,
  MessagePayload,
  ParsedCommand,
  ParseOptions,
  Peak,
  PlatformAction,
  PlatformActionName,
  PlaylistAddPayload,
  PlaylistItem,
  PlaylistMovePayload,
  PlaylistRemovePayload,
  PlaylistResetPayload,
  PluginAccess,
  PluginGrantSet,
  PluginLaunchLimits,
  PluginManifest,
  PluginSay,
  PluginState,
  PluginStatus,
  PluginTable,
  PrivateMessageAction,
  Schema,
  SecurityViolation,
  Source,
  User,
  UserJoinPayload,
  UserLeavePayload,
  UserRenamePayload,
  UserStats,
  UserStatsQuery,
  UserStatsReply,
  UserUpdatePayload,
  ValidationIssue,
  ValidationResult,
  Validator,
} from "./events/mod.ts";

// Auth primitives: the operator/account authority, minting users, service role building blocks.
export {
  accountJwtRevoking,
  AuthError,
  authorityPaths,
  connectorIdentity,
  connectorRole,
  createAuthority,
  durableConsumerRights,
  inboxGrant,
  loadOrCreateAuthority,
  mintUser,
  seedResolverDir,
  serverAuthConfig,
  STREAM_ADMIN_IDENTITY,
  streamAdminRole,
  streamReaderRights,
} from "./auth/mod.ts";
export type {
  AccountKeys,
  Authority,
  MintOptions,
  ServiceRole,
  SubjectPermissions,
  UserCredentials,
} from "./auth/mod.ts";

// The structured logger.
export { createLogger, LOG_LEVELS, RotatingFile, silentLogger } from "./log/mod.ts";
export type {
  LogFields,
  Logger,
  LoggerOptions,
  LogLevel,
  LogSink,
  RotatingFileOptions,
} from "./log/mod.ts";

// Text shown to people: what could steer a screen removed.
export { sanitizeChatText } from "./text/mod.ts";

// Group commit and sequence watching for services that keep files.
export { GroupCommit, SequenceWatch } from "./persist/mod.ts";

// Health and metrics reports every component publishes, and the registry that builds them.
export {
  Counter,
  Gauge,
  HEALTH_STATES,
  HealthReportSchema,
  Histogram,
  LATENCY_BUCKETS_MS,
  MetricSnapshotSchema,
  MetricsRegistry,
  MetricsReportSchema,
  startHealthReporter,
} from "./health/mod.ts";
export type {
  HealthReport,
  HealthReporterOptions,
  HealthState,
  Labels,
  MetricSnapshot,
  MetricsReport,
} from "./health/mod.ts";

// Config files: the loader, the base sections, and the component shape.
export {
  BASE_CONFIG_FIXES,
  BotSectionSchema,
  CONFIG_FILE_NAME,
  ConfigError,
  defineComponent,
  loadConfigFile,
  LoggingSectionSchema,
  NatsSectionSchema,
  parseConfigText,
  serviceSwitchSchema,
} from "./config/mod.ts";
export type {
  BotSection,
  Component,
  ComponentContext,
  ConfigPath,
  EnvLookup,
  LoadConfigOptions,
  LoadedConfig,
  RunningComponent,
} from "./config/mod.ts";
