import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { ModelSnapshot } from '../../store/index.ts';
import type { ApiContext } from '../context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A 64-bit integer as a string: counts and positions can exceed what a JSON number holds exactly. */
  BigInt: { input: string; output: string; }
  /** An instant as an ISO-8601 string in UTC, e.g. "2026-11-24T03:32:59.175Z". */
  DateTime: { input: string; output: string; }
  /** An exact decimal number as a string, e.g. "1234.50". Never a float: money is exact end to end. */
  Decimal: { input: string; output: string; }
};

export type Aggregate = {
  __typename?: 'Aggregate';
  freshness: Freshness;
  readModel: Scalars['String']['output'];
  rows: Array<AggregateRow>;
  /** Rows before `limit`. */
  totalRows: Scalars['Int']['output'];
};

export type AggregateRow = {
  __typename?: 'AggregateRow';
  dimensions: Array<DimensionValue>;
  measures: Array<MeasureValue>;
  /** Null when the rows are not grouped by time. */
  time?: Maybe<TimeBucket>;
};

export type ArchivePolicy =
  /** An archived row's contribution stays. */
  | 'KEEP'
  /** An archived row's contribution goes, like a business delete. */
  | 'RETRACT';

export type Dimension = {
  __typename?: 'Dimension';
  /** BAND only: the edges between bands. */
  bandEdges?: Maybe<Array<Scalars['Decimal']['output']>>;
  /** The source column (null for a bucket of the change's commit time). */
  column?: Maybe<Scalars['String']['output']>;
  /** Its field in the read model's typed rows, e.g. averageAmount for average_amount. */
  field: Scalars['String']['output'];
  kind: DimensionKind;
  name: Scalars['String']['output'];
  /** TIME only: the zone whose wall clock the buckets follow. */
  timeZone?: Maybe<Scalars['String']['output']>;
  /** TIME only. */
  unit?: Maybe<TimeUnit>;
};

export type DimensionFilter = {
  dimension: Scalars['String']['input'];
  /** Keep groups whose value is one of these (null: no value). */
  in: Array<InputMaybe<Scalars['String']['input']>>;
};

export type DimensionKind =
  | 'BAND'
  | 'COLUMN'
  | 'TIME';

export type DimensionValue = {
  __typename?: 'DimensionValue';
  name: Scalars['String']['output'];
  value?: Maybe<Scalars['String']['output']>;
};

/** How current an answer is: the read model's version and the newest source change it includes. */
export type Freshness = {
  __typename?: 'Freshness';
  /** When Readout applied that change (Redis's clock). */
  appliedAt?: Maybe<Scalars['DateTime']['output']>;
  /** True when nothing above says the numbers are incomplete: no missed records, not stopped. */
  complete: Scalars['Boolean']['output'];
  /** Milliseconds from the newest included change's commit until now: how far behind this answer is. */
  lagMs?: Maybe<Scalars['BigInt']['output']>;
  /**
   * Records of this read model's source that Readout could not apply (each is a dead letter, with
   * its reason: readout dead-letters list). While above 0 the numbers lack those records.
   */
  missedRecords: Scalars['Int']['output'];
  /** Commit time, in PostgreSQL, of the newest change included (null before any change). */
  sourceCommitTime?: Maybe<Scalars['DateTime']['output']>;
  /** PostgreSQL log position (LSN) of the newest change included. */
  sourceLsn?: Maybe<Scalars['BigInt']['output']>;
  /** PostgreSQL transaction id of the newest change included. */
  sourceTxId?: Maybe<Scalars['BigInt']['output']>;
  /**
   * Why this read model stopped taking changes (its source table no longer has a column it reads, or
   * has it with another type), with the code SOURCE_SCHEMA_CHANGED; null while it takes changes.
   * Its numbers stay as they were when it stopped until its definition is fixed and it is rebuilt.
   */
  stopped?: Maybe<Scalars['String']['output']>;
  /** Increases with every applied batch of changes; a subscriber never receives a lower one. */
  version: Scalars['BigInt']['output'];
};

/**
 * A change held for an operator's decision (`readout held release <id> --as archive|retract`).
 * Until then the dashboards do not move, and nothing is lost: a dashboard can show "a large delete
 * is waiting for a decision".
 */
export type HeldChange = {
  __typename?: 'HeldChange';
  heldSince: Scalars['DateTime']['output'];
  id: Scalars['String']['output'];
  kind: HeldChangeKind;
  /** Rows waiting (deletes); 0 for a TRUNCATE, which removes every row that existed before it. */
  rows: Scalars['Int']['output'];
  /** The captured table, e.g. public.invoices. */
  table: Scalars['String']['output'];
};

/** What the mass-delete guard holds: a large untagged delete or a TRUNCATE. */
export type HeldChangeKind =
  | 'DELETES'
  | 'TRUNCATE';

export type Measure = {
  __typename?: 'Measure';
  column?: Maybe<Scalars['String']['output']>;
  /** Its field in the read model's typed rows. */
  field: Scalars['String']['output'];
  name: Scalars['String']['output'];
  /** Decimal places of SUM, AVG, MIN and MAX values. */
  scale?: Maybe<Scalars['Int']['output']>;
  type: MeasureType;
};

export type MeasureType =
  | 'AVG'
  | 'COUNT'
  | 'DISTINCT'
  | 'MAX'
  | 'MIN'
  | 'SUM';

/**
 * A measure's exact value: `integer` for COUNT and DISTINCT, `decimal` for the others; null when no
 * row has a value (AVG, MIN, MAX of nothing).
 */
export type MeasureValue = {
  __typename?: 'MeasureValue';
  decimal?: Maybe<Scalars['Decimal']['output']>;
  integer?: Maybe<Scalars['BigInt']['output']>;
  name: Scalars['String']['output'];
  type: MeasureType;
};

export type MetricKind =
  /** Over the changes themselves (each change counted once). */
  | 'FLOW'
  /** Over the rows as they are now. */
  | 'STATE';

export type OrderBy = {
  /** A grouped dimension (the time dimension by its name) or a chosen measure. */
  by: Scalars['String']['input'];
  direction?: InputMaybe<SortDirection>;
};

/**
 * Readout's own fields. Each read model adds a typed field of its own (see schema/readmodels.graphql,
 * generated from readmodels/*.yaml): its rows with one field per dimension and measure.
 */
export type Query = {
  __typename?: 'Query';
  /** An ad hoc question to any read model: filter, time range and granularity, group, measures, order, limit. */
  aggregate: Aggregate;
  /** Changes the mass-delete guard holds, oldest first (empty when the guard is off). */
  heldChanges: Array<HeldChange>;
  /** Every read model with its dimensions and measures. */
  readModels: Array<ReadModelInfo>;
};


/**
 * Readout's own fields. Each read model adds a typed field of its own (see schema/readmodels.graphql,
 * generated from readmodels/*.yaml): its rows with one field per dimension and measure.
 */
export type QueryAggregateArgs = {
  from?: InputMaybe<Scalars['DateTime']['input']>;
  granularity?: InputMaybe<TimeUnit>;
  groupBy?: InputMaybe<Array<Scalars['String']['input']>>;
  limit?: InputMaybe<Scalars['Int']['input']>;
  measures?: InputMaybe<Array<Scalars['String']['input']>>;
  orderBy?: InputMaybe<Array<OrderBy>>;
  readModel: Scalars['String']['input'];
  timeZone?: InputMaybe<Scalars['String']['input']>;
  to?: InputMaybe<Scalars['DateTime']['input']>;
  where?: InputMaybe<Array<DimensionFilter>>;
};

/** A read model, as declared in readmodels/*.yaml: what `aggregate` can ask of it. */
export type ReadModelInfo = {
  __typename?: 'ReadModelInfo';
  archive: ArchivePolicy;
  description?: Maybe<Scalars['String']['output']>;
  dimensions: Array<Dimension>;
  /** Its typed Query and Subscription field, e.g. salesByRegion for sales_by_region. */
  field: Scalars['String']['output'];
  kind: MetricKind;
  measures: Array<Measure>;
  name: Scalars['String']['output'];
  /** How long time buckets are kept, e.g. 35d (null: no time buckets, or kept forever). */
  retention?: Maybe<Scalars['String']['output']>;
  /** The captured table, e.g. public.invoices. */
  source: Scalars['String']['output'];
  top?: Maybe<TopRanking>;
};

export type SortDirection =
  | 'ASC'
  | 'DESC';

/**
 * Every field pushes the current value first, then every newer version as changes are applied:
 * never an older one. A burst of changes may be pushed as its newest version only.
 */
export type Subscription = {
  __typename?: 'Subscription';
  /** Live: the ad hoc question's answer first, then again after every change of the model. */
  aggregate: Aggregate;
  /** The changes the mass-delete guard holds now, then the list again whenever it changes. */
  heldChanges: Array<HeldChange>;
};


/**
 * Every field pushes the current value first, then every newer version as changes are applied:
 * never an older one. A burst of changes may be pushed as its newest version only.
 */
export type SubscriptionAggregateArgs = {
  from?: InputMaybe<Scalars['DateTime']['input']>;
  granularity?: InputMaybe<TimeUnit>;
  groupBy?: InputMaybe<Array<Scalars['String']['input']>>;
  limit?: InputMaybe<Scalars['Int']['input']>;
  measures?: InputMaybe<Array<Scalars['String']['input']>>;
  orderBy?: InputMaybe<Array<OrderBy>>;
  readModel: Scalars['String']['input'];
  timeZone?: InputMaybe<Scalars['String']['input']>;
  to?: InputMaybe<Scalars['DateTime']['input']>;
  where?: InputMaybe<Array<DimensionFilter>>;
};

/** A time bucket: its start as an instant, and as wall-clock time with the offset of its zone. */
export type TimeBucket = {
  __typename?: 'TimeBucket';
  /** e.g. 2026-11-24T14:00:00+01:00 */
  local: Scalars['String']['output'];
  start: Scalars['DateTime']['output'];
};

export type TimeUnit =
  | 'DAY'
  | 'HOUR'
  | 'MINUTE';

export type TopRanking = {
  __typename?: 'TopRanking';
  by: Scalars['String']['output'];
  limit: Scalars['Int']['output'];
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Aggregate: ResolverTypeWrapper<Omit<Aggregate, 'freshness'> & { freshness: ResolversTypes['Freshness'] }>;
  AggregateRow: ResolverTypeWrapper<AggregateRow>;
  ArchivePolicy: ArchivePolicy;
  BigInt: ResolverTypeWrapper<Scalars['BigInt']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Decimal: ResolverTypeWrapper<Scalars['Decimal']['output']>;
  Dimension: ResolverTypeWrapper<Dimension>;
  DimensionFilter: DimensionFilter;
  DimensionKind: DimensionKind;
  DimensionValue: ResolverTypeWrapper<DimensionValue>;
  Freshness: ResolverTypeWrapper<ModelSnapshot>;
  HeldChange: ResolverTypeWrapper<HeldChange>;
  HeldChangeKind: HeldChangeKind;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Measure: ResolverTypeWrapper<Measure>;
  MeasureType: MeasureType;
  MeasureValue: ResolverTypeWrapper<MeasureValue>;
  MetricKind: MetricKind;
  OrderBy: OrderBy;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ReadModelInfo: ResolverTypeWrapper<ReadModelInfo>;
  SortDirection: SortDirection;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  TimeBucket: ResolverTypeWrapper<TimeBucket>;
  TimeUnit: TimeUnit;
  TopRanking: ResolverTypeWrapper<TopRanking>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Aggregate: Omit<Aggregate, 'freshness'> & { freshness: ResolversParentTypes['Freshness'] };
  AggregateRow: AggregateRow;
  BigInt: Scalars['BigInt']['output'];
  Boolean: Scalars['Boolean']['output'];
  DateTime: Scalars['DateTime']['output'];
  Decimal: Scalars['Decimal']['output'];
  Dimension: Dimension;
  DimensionFilter: DimensionFilter;
  DimensionValue: DimensionValue;
  Freshness: ModelSnapshot;
  HeldChange: HeldChange;
  Int: Scalars['Int']['output'];
  Measure: Measure;
  MeasureValue: MeasureValue;
  OrderBy: OrderBy;
  Query: Record<PropertyKey, never>;
  ReadModelInfo: ReadModelInfo;
  String: Scalars['String']['output'];
  Subscription: Record<PropertyKey, never>;
  TimeBucket: TimeBucket;
  TopRanking: TopRanking;
};

export type AggregateResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Aggregate'] = ResolversParentTypes['Aggregate']> = {
  freshness?: Resolver<ResolversTypes['Freshness'], ParentType, ContextType>;
  readModel?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  rows?: Resolver<Array<ResolversTypes['AggregateRow']>, ParentType, ContextType>;
  totalRows?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type AggregateRowResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['AggregateRow'] = ResolversParentTypes['AggregateRow']> = {
  dimensions?: Resolver<Array<ResolversTypes['DimensionValue']>, ParentType, ContextType>;
  measures?: Resolver<Array<ResolversTypes['MeasureValue']>, ParentType, ContextType>;
  time?: Resolver<Maybe<ResolversTypes['TimeBucket']>, ParentType, ContextType>;
};

export interface BigIntScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['BigInt'], any> {
  name: 'BigInt';
}

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export interface DecimalScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['Decimal'], any> {
  name: 'Decimal';
}

export type DimensionResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Dimension'] = ResolversParentTypes['Dimension']> = {
  bandEdges?: Resolver<Maybe<Array<ResolversTypes['Decimal']>>, ParentType, ContextType>;
  column?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  field?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['DimensionKind'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  timeZone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  unit?: Resolver<Maybe<ResolversTypes['TimeUnit']>, ParentType, ContextType>;
};

export type DimensionValueResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['DimensionValue'] = ResolversParentTypes['DimensionValue']> = {
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type FreshnessResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Freshness'] = ResolversParentTypes['Freshness']> = {
  appliedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  complete?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  lagMs?: Resolver<Maybe<ResolversTypes['BigInt']>, ParentType, ContextType>;
  missedRecords?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  sourceCommitTime?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  sourceLsn?: Resolver<Maybe<ResolversTypes['BigInt']>, ParentType, ContextType>;
  sourceTxId?: Resolver<Maybe<ResolversTypes['BigInt']>, ParentType, ContextType>;
  stopped?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['BigInt'], ParentType, ContextType>;
};

export type HeldChangeResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['HeldChange'] = ResolversParentTypes['HeldChange']> = {
  heldSince?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['HeldChangeKind'], ParentType, ContextType>;
  rows?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  table?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type MeasureResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Measure'] = ResolversParentTypes['Measure']> = {
  column?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  field?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  scale?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  type?: Resolver<ResolversTypes['MeasureType'], ParentType, ContextType>;
};

export type MeasureValueResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['MeasureValue'] = ResolversParentTypes['MeasureValue']> = {
  decimal?: Resolver<Maybe<ResolversTypes['Decimal']>, ParentType, ContextType>;
  integer?: Resolver<Maybe<ResolversTypes['BigInt']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['MeasureType'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  aggregate?: Resolver<ResolversTypes['Aggregate'], ParentType, ContextType, RequireFields<QueryAggregateArgs, 'limit' | 'readModel'>>;
  heldChanges?: Resolver<Array<ResolversTypes['HeldChange']>, ParentType, ContextType>;
  readModels?: Resolver<Array<ResolversTypes['ReadModelInfo']>, ParentType, ContextType>;
};

export type ReadModelInfoResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ReadModelInfo'] = ResolversParentTypes['ReadModelInfo']> = {
  archive?: Resolver<ResolversTypes['ArchivePolicy'], ParentType, ContextType>;
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  dimensions?: Resolver<Array<ResolversTypes['Dimension']>, ParentType, ContextType>;
  field?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['MetricKind'], ParentType, ContextType>;
  measures?: Resolver<Array<ResolversTypes['Measure']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  retention?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  source?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  top?: Resolver<Maybe<ResolversTypes['TopRanking']>, ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  aggregate?: SubscriptionResolver<ResolversTypes['Aggregate'], "aggregate", ParentType, ContextType, RequireFields<SubscriptionAggregateArgs, 'limit' | 'readModel'>>;
  heldChanges?: SubscriptionResolver<Array<ResolversTypes['HeldChange']>, "heldChanges", ParentType, ContextType>;
};

export type TimeBucketResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['TimeBucket'] = ResolversParentTypes['TimeBucket']> = {
  local?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  start?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type TopRankingResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['TopRanking'] = ResolversParentTypes['TopRanking']> = {
  by?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  limit?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type Resolvers<ContextType = ApiContext> = {
  Aggregate?: AggregateResolvers<ContextType>;
  AggregateRow?: AggregateRowResolvers<ContextType>;
  BigInt?: GraphQLScalarType;
  DateTime?: GraphQLScalarType;
  Decimal?: GraphQLScalarType;
  Dimension?: DimensionResolvers<ContextType>;
  DimensionValue?: DimensionValueResolvers<ContextType>;
  Freshness?: FreshnessResolvers<ContextType>;
  HeldChange?: HeldChangeResolvers<ContextType>;
  Measure?: MeasureResolvers<ContextType>;
  MeasureValue?: MeasureValueResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  ReadModelInfo?: ReadModelInfoResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  TimeBucket?: TimeBucketResolvers<ContextType>;
  TopRanking?: TopRankingResolvers<ContextType>;
};

