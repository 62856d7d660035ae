// The scenario's AWS Config configuration recorders (SimAccount.ConfigurationRecorders), in the shapes of
// DescribeConfigurationRecorders and DescribeConfigurationRecorderStatus.

/**
 * One configuration recorder of an account, in one region: the customer managed one (at most one per region), or a
 * service-linked one (ServicePrincipal set). Unset members take what PutConfigurationRecorder makes by default.
 */
export interface SimConfigurationRecorder {
  /** Default `default`; service-linked recorders are named AWSConfigurationRecorderFor<service>. */
  Name?: string;
  Region: string;
  /** Default arn:aws:iam::<account>:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig. */
  RoleARN?: string;
  /** Default true. */
  AllSupported?: boolean;
  /** Default false. */
  IncludeGlobalResourceTypes?: boolean;
  /** With INCLUSION_BY_RESOURCE_TYPES. */
  ResourceTypes?: string[];
  /** With EXCLUSION_BY_RESOURCE_TYPES. */
  ExclusionResourceTypes?: string[];
  /** Default ALL_SUPPORTED_RESOURCE_TYPES. */
  RecordingStrategy?: 'ALL_SUPPORTED_RESOURCE_TYPES' | 'INCLUSION_BY_RESOURCE_TYPES' | 'EXCLUSION_BY_RESOURCE_TYPES';
  /** Default CONTINUOUS. */
  RecordingFrequency?: 'CONTINUOUS' | 'DAILY';
  /** For a service-linked recorder: the service it records for. */
  ServicePrincipal?: string;
  /** Leaves `arn` out of both responses, as AWS answered before recorders had ARNs. */
  WithoutArn?: boolean;

  // DescribeConfigurationRecorderStatus
  Recording: boolean;
  /** Pending, Success or Failure (or in capitals, as AWS has also answered); left out when unset (a recorder never started). */
  LastStatus?: 'Pending' | 'Success' | 'Failure' | 'PENDING' | 'SUCCESS' | 'FAILURE';
  LastErrorCode?: string;
  LastErrorMessage?: string;
  /** ISO-8601. */
  LastStartTime?: string;
  LastStopTime?: string;
  LastStatusChangeTime?: string;
}
