import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { ModelSnapshot } from '../../store/index.js';
import type { ApiContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
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

/** How current an answer is: the read model's version and the newest source change it includes. */
export type Freshness = {
  __typename?: 'Freshness';
  /** When Readout applied that change (Redis's clock). */
  appliedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Milliseconds from the newest included change's commit until now: how far behind this answer is. */
  lagMs?: Maybe<Scalars['BigInt']['output']>;
  /** Commit time, in PostgreSQL, of the newest change included (null before any change). */
  sourceCommitTime?: Maybe<Scalars['DateTime']['output']>;
  /** PostgreSQL log position (LSN) of the newest change included. */
  sourceLsn?: Maybe<Scalars['BigInt']['output']>;
  /** PostgreSQL transaction id of the newest change included. */
  sourceTxId?: Maybe<Scalars['BigInt']['output']>;
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
  /** The captured table, e.g. public.orders. */
  table: Scalars['String']['output'];
};

/** What the mass-delete guard holds: a large untagged delete or a TRUNCATE. */
export type HeldChangeKind =
  | 'DELETES'
  | 'TRUNCATE';

/** Orders and revenue per status, over the orders as they are now. */
export type OrdersByStatus = {
  __typename?: 'OrdersByStatus';
  freshness: Freshness;
  /** One entry per status that has at least one order, sorted by status. */
  groups: Array<StatusTotal>;
};

export type Query = {
  __typename?: 'Query';
  /** Changes the mass-delete guard holds, oldest first (empty when the guard is off). */
  heldChanges: Array<HeldChange>;
  /** Orders and revenue per status, exact, as of `freshness`. */
  ordersByStatus: OrdersByStatus;
};

/** Orders currently in one status: how many, and their total amount. */
export type StatusTotal = {
  __typename?: 'StatusTotal';
  /** Mean order amount, rounded half away from zero to cents. */
  averageAmount: Scalars['Decimal']['output'];
  count: Scalars['BigInt']['output'];
  revenue: Scalars['Decimal']['output'];
  status: Scalars['String']['output'];
};

export type Subscription = {
  __typename?: 'Subscription';
  /** The current orders-by-status first, then every newer version as changes are applied. */
  ordersByStatus: OrdersByStatus;
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = {}, TContext = {}, TArgs = {}> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

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

export type SubscriptionResolver<TResult, TKey extends string, TParent = {}, TContext = {}, TArgs = {}> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = {}, TContext = {}> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = {}, TContext = {}> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = {}, TParent = {}, TContext = {}, TArgs = {}> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  BigInt: ResolverTypeWrapper<Scalars['BigInt']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Decimal: ResolverTypeWrapper<Scalars['Decimal']['output']>;
  Freshness: ResolverTypeWrapper<ModelSnapshot>;
  HeldChange: ResolverTypeWrapper<HeldChange>;
  HeldChangeKind: HeldChangeKind;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  OrdersByStatus: ResolverTypeWrapper<ModelSnapshot>;
  Query: ResolverTypeWrapper<{}>;
  StatusTotal: ResolverTypeWrapper<StatusTotal>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<{}>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  BigInt: Scalars['BigInt']['output'];
  Boolean: Scalars['Boolean']['output'];
  DateTime: Scalars['DateTime']['output'];
  Decimal: Scalars['Decimal']['output'];
  Freshness: ModelSnapshot;
  HeldChange: HeldChange;
  Int: Scalars['Int']['output'];
  OrdersByStatus: ModelSnapshot;
  Query: {};
  StatusTotal: StatusTotal;
  String: Scalars['String']['output'];
  Subscription: {};
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

export type FreshnessResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Freshness'] = ResolversParentTypes['Freshness']> = {
  appliedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lagMs?: Resolver<Maybe<ResolversTypes['BigInt']>, ParentType, ContextType>;
  sourceCommitTime?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  sourceLsn?: Resolver<Maybe<ResolversTypes['BigInt']>, ParentType, ContextType>;
  sourceTxId?: Resolver<Maybe<ResolversTypes['BigInt']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['BigInt'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type HeldChangeResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['HeldChange'] = ResolversParentTypes['HeldChange']> = {
  heldSince?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['HeldChangeKind'], ParentType, ContextType>;
  rows?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  table?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type OrdersByStatusResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['OrdersByStatus'] = ResolversParentTypes['OrdersByStatus']> = {
  freshness?: Resolver<ResolversTypes['Freshness'], ParentType, ContextType>;
  groups?: Resolver<Array<ResolversTypes['StatusTotal']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type QueryResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  heldChanges?: Resolver<Array<ResolversTypes['HeldChange']>, ParentType, ContextType>;
  ordersByStatus?: Resolver<ResolversTypes['OrdersByStatus'], ParentType, ContextType>;
};

export type StatusTotalResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['StatusTotal'] = ResolversParentTypes['StatusTotal']> = {
  averageAmount?: Resolver<ResolversTypes['Decimal'], ParentType, ContextType>;
  count?: Resolver<ResolversTypes['BigInt'], ParentType, ContextType>;
  revenue?: Resolver<ResolversTypes['Decimal'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  ordersByStatus?: SubscriptionResolver<ResolversTypes['OrdersByStatus'], "ordersByStatus", ParentType, ContextType>;
};

export type Resolvers<ContextType = ApiContext> = {
  BigInt?: GraphQLScalarType;
  DateTime?: GraphQLScalarType;
  Decimal?: GraphQLScalarType;
  Freshness?: FreshnessResolvers<ContextType>;
  HeldChange?: HeldChangeResolvers<ContextType>;
  OrdersByStatus?: OrdersByStatusResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  StatusTotal?: StatusTotalResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
};

