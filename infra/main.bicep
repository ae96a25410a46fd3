// The pipeline on Azure: a storage account holding the lake (container 'lake') and the Functions runtime state, a
// Function App on the Flex Consumption plan running src/Etl.Functions with a system-assigned managed identity (no keys
// in settings), Application Insights, an Event Grid subscription that delivers BlobCreated events under landing/ to the
// BlobLanded function, the queue S3 notifications are forwarded to, and an optional PostgreSQL Flexible Server for the
// warehouse (its connection goes into the app's settings). CI compiles and lints this file (eng/bicep.sh); deploying it
// is step by step in docs/orchestration.md.
targetScope = 'resourceGroup'

@description('Short name used in resource names (letters and digits).')
@maxLength(12)
param name string = 'etl'

@description('Azure region.')
param location string = resourceGroup().location

@description('The pipeline definition path inside the deployed app (ETL_PIPELINE_CONFIG), relative to the app folder; eng/publish-functions.sh packs it as pipeline/pipeline.yaml.')
param pipelineConfig string = 'pipeline/pipeline.yaml'

@description('6-field NCrontab schedule of the daily run (UTC).')
param schedule string = '0 0 2 * * *'

@description('Deploy a PostgreSQL Flexible Server for the warehouse, and end every run with the warehouse load (ETL_LOAD_WAREHOUSE).')
param deployWarehouse bool = false

@description('Administrator login of the PostgreSQL server (when deployWarehouse).')
param postgresAdmin string = 'etladmin'

@secure()
@description('Administrator password of the PostgreSQL server (when deployWarehouse). Without one, each deployment sets a new random password (the app gets it through its settings); pass one to keep it.')
param postgresPassword string = newGuid()

@description('The app setting the pipeline definition names in warehouse.connection_env (the samples use ETL_WAREHOUSE_CONNECTION).')
param warehouseConnectionSetting string = 'ETL_WAREHOUSE_CONNECTION'

@description('Warehouse database name (when deployWarehouse).')
param warehouseDatabase string = 'etl'

var suffix = uniqueString(resourceGroup().id, name)
var storageName = toLower('${name}${suffix}')
var appName = '${name}-func-${suffix}'
var deploymentContainer = 'app-package'
var postgresName = '${name}-pg-${suffix}'
var baseSettings = [
  // Identity-based connections: no account keys anywhere.
  { name: 'AzureWebJobsStorage__accountName', value: storage.name }
  { name: 'LakeStorage__accountName', value: storage.name }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD' }
  { name: 'ETL_TASK_HUB', value: '${name}hub' }
  { name: 'ETL_PIPELINE_CONFIG', value: pipelineConfig }
  { name: 'ETL_LAKE', value: '${storage.properties.primaryEndpoints.blob}lake' }
  { name: 'ETL_LAKE_CONTAINER', value: 'lake' }
  { name: 'ETL_SCHEDULE', value: schedule }
  { name: 'ETL_S3_EVENTS_QUEUE', value: s3Queue.name }
  { name: 'ETL_LOAD_WAREHOUSE', value: deployWarehouse ? 'true' : 'false' }
]
// Npgsql's connection string; TLS is required by the server.
var warehouseSettings = deployWarehouse ? [
  {
    name: warehouseConnectionSetting
    value: 'Host=${postgresName}.postgres.database.azure.com;Database=${warehouseDatabase};Username=${postgresAdmin};Password=${postgresPassword};SSL Mode=Require'
  }
] : []

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take(storageName, 24)
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource lakeContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'lake'
}

resource packageContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource s3Queue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: 's3-events'
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${name}-logs-${suffix}'
  location: location
  properties: { retentionInDays: 30, sku: { name: 'PerGB2018' } }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${name}-ai-${suffix}'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id, DisableLocalAuth: true }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${name}-plan-${suffix}'
  location: location
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: concat(baseSettings, warehouseSettings)
    }
  }
}

// Built-in role definition ids.
var roles = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in [roles.blobDataOwner, roles.queueDataContributor, roles.tableDataContributor]: {
  name: guid(storage.id, app.id, role)
  scope: storage
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

resource insightsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, app.id, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

// BlobCreated under lake/landing/ -> the Event Grid-based blob trigger of BlobLanded.
resource topic 'Microsoft.EventGrid/systemTopics@2024-06-01-preview' = {
  name: '${name}-blobs-${suffix}'
  location: location
  properties: { source: storage.id, topicType: 'Microsoft.Storage.StorageAccounts' }
}

resource landed 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2024-06-01-preview' = {
  parent: topic
  name: 'landing-blob-created'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${app.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.BlobLanded&code=${listKeys('${app.id}/host/default', '2024-04-01').systemKeys.blobs_extension}'
      }
    }
    filter: {
      includedEventTypes: [ 'Microsoft.Storage.BlobCreated' ]
      subjectBeginsWith: '/blobServices/default/containers/lake/blobs/landing/'
    }
    eventDeliverySchema: 'EventGridSchema'
  }
}

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = if (deployWarehouse) {
  name: postgresName
  location: location
  sku: { name: 'Standard_B1ms', tier: 'Burstable' }
  properties: {
    version: '16'
    administratorLogin: postgresAdmin
    administratorLoginPassword: postgresPassword
    storage: { storageSizeGB: 32 }
    authConfig: { activeDirectoryAuth: 'Enabled', passwordAuth: 'Enabled' }
    network: { publicNetworkAccess: 'Enabled' }
  }
}

resource warehouseDb 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = if (deployWarehouse) {
  parent: postgres
  name: warehouseDatabase
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}

// Flex Consumption apps have no fixed outbound addresses: this rule (0.0.0.0) admits connections from Azure services
// only, not the internet. For private access instead, put the app in a virtual network and the server behind a
// private endpoint (see docs/orchestration.md).
resource warehouseFirewall 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = if (deployWarehouse) {
  parent: postgres
  name: 'AllowAzureServices'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

output functionAppName string = app.name
output lakeUri string = '${storage.properties.primaryEndpoints.blob}lake'
output startUrl string = 'https://${app.properties.defaultHostName}/api/start'
output warehouseHost string = deployWarehouse ? '${postgresName}.postgres.database.azure.com' : ''
