// Drives the ARM emulator with the Azure SDK for JavaScript, with tokens
// from the Entra ID emulator. jsclient_test.go starts both emulators on
// loopback and runs this file with `node --test`; the environment names
// them: ARM_URL, ENTRA_URL, TENANT_ID, CLIENT_ID, CLIENT_SECRET,
// SUBSCRIPTION_ID, and NODE_EXTRA_CA_CERTS the CA that signed both
// emulators' certificates.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { ClientSecretCredential } from "@azure/identity";
import { ResourceManagementClient } from "@azure/arm-resources";
import { DeploymentsClient } from "@azure/arm-resourcesdeployments";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import { createPipelineRequest, createDefaultHttpClient } from "@azure/core-rest-pipeline";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const armURL = env("ARM_URL");
const sub = env("SUBSCRIPTION_ID");
const tenant = env("TENANT_ID");
const credential = new ClientSecretCredential(tenant, env("CLIENT_ID"), env("CLIENT_SECRET"), {
  authorityHost: env("ENTRA_URL"),
  disableInstanceDiscovery: true,
});
// Fast polling: the emulator asks for retry-after-ms, but the SDK's own
// default interval applies where it sends none.
const fast = { updateIntervalInMs: 20 };
const clientOptions = { endpoint: armURL, retryOptions: { retryDelayInMs: 10, maxRetryDelayInMs: 50 } };
const resources = new ResourceManagementClient(credential, sub, clientOptions);
const deployments = new DeploymentsClient(credential, sub, clientOptions);
const subscriptions = new SubscriptionClient(credential, clientOptions);

const rg = "rg-jsclient";
const rgID = `/subscriptions/${sub}/resourceGroups/${rg}`;

// The template: a storage account and a web site that depends on it.
const template = {
  $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  contentVersion: "1.0.0.0",
  parameters: { prefix: { type: "string", minLength: 3 } },
  variables: { account: "[concat(parameters('prefix'), 'store')]" },
  resources: [
    {
      type: "Microsoft.Storage/storageAccounts", apiVersion: "2023-01-01", name: "[variables('account')]",
      location: "[resourceGroup().location]", kind: "StorageV2", sku: { name: "Standard_LRS" },
    },
    {
      type: "Microsoft.Web/sites", apiVersion: "2022-09-01", name: "[concat(parameters('prefix'), '-web')]",
      location: "[resourceGroup().location]",
      dependsOn: ["[resourceId('Microsoft.Storage/storageAccounts', variables('account'))]"],
      properties: { siteConfig: { appSettings: [{ name: "STORAGE", value: "[variables('account')]" }] } },
    },
  ],
  outputs: {
    blob: { type: "string", value: "[reference(resourceId('Microsoft.Storage/storageAccounts', variables('account'))).primaryEndpoints.blob]" },
    host: { type: "string", value: "[reference(resourceId('Microsoft.Web/sites', concat(parameters('prefix'), '-web'))).defaultHostName]" },
  },
};
const deployment = (prefix) => ({ properties: { mode: "Incremental", template, parameters: { prefix: { value: prefix } } } });

// Calls the emulator through the SDK's own pipeline (bearer token, retries),
// for operations these packages do not cover (POST …/listKeys).
async function send(method, path, body) {
  const req = createPipelineRequest({ url: `${armURL}${path}`, method });
  if (body !== undefined) {
    req.body = JSON.stringify(body);
    req.headers.set("Content-Type", "application/json");
  }
  const res = await resources.pipeline.sendRequest(createDefaultHttpClient(), req);
  return { status: res.status, body: res.bodyAsText ? JSON.parse(res.bodyAsText) : undefined };
}

async function collect(iter) {
  const out = [];
  for await (const x of iter) out.push(x);
  return out;
}

describe("Azure SDK for JavaScript against the ARM emulator", () => {
  before(async () => {
    // The token is Entra's for the SDK's scope: aud is the resource asked for.
    const tok = await credential.getToken("https://management.azure.com/.default");
    const claims = JSON.parse(Buffer.from(tok.token.split(".")[1], "base64url").toString());
    assert.equal(claims.aud, "https://management.azure.com/");
    assert.equal(claims.tid, tenant);
  });

  it("lists tenants, subscriptions and locations", async () => {
    const tenants = await collect(subscriptions.tenants.list());
    assert.ok(tenants.some((t) => t.tenantId === tenant), JSON.stringify(tenants));
    const subs = await collect(subscriptions.subscriptions.list());
    assert.ok(subs.some((s) => s.subscriptionId === sub && s.state === "Enabled"), JSON.stringify(subs));
    const one = await subscriptions.subscriptions.get(sub);
    assert.equal(one.subscriptionId, sub);
    assert.equal(one.tenantId, tenant);
    const locations = await collect(subscriptions.subscriptions.listLocations(sub));
    const we = locations.find((l) => l.name === "westeurope");
    assert.ok(we, JSON.stringify(locations.map((l) => l.name)));
    assert.equal(we.displayName, "West Europe");
  });

  it("gets and registers resource providers", async () => {
    const storage = await resources.providers.get("Microsoft.Storage");
    assert.equal(storage.namespace, "Microsoft.Storage");
    const accounts = storage.resourceTypes.find((t) => t.resourceType === "storageAccounts");
    assert.ok(accounts.apiVersions.includes("2023-01-01"), JSON.stringify(accounts));
    const registered = await resources.providers.register("Microsoft.Storage");
    assert.equal(registered.namespace, "Microsoft.Storage");
    assert.match(registered.registrationState, /^(Registering|Registered)$/);
    const again = await resources.providers.get("Microsoft.Storage");
    assert.equal(again.registrationState, "Registered");
    const all = await collect(resources.providers.list());
    assert.ok(all.some((p) => p.namespace === "Microsoft.Web"));
  });

  it("creates, updates and reads a resource group", async () => {
    const created = await resources.resourceGroups.createOrUpdate(rg, { location: "westeurope", tags: { team: "a" } });
    assert.equal(created.id, rgID);
    assert.equal(created.properties.provisioningState, "Succeeded");
    const patched = await resources.resourceGroups.update(rg, { tags: { team: "b", env: "test" } });
    assert.deepEqual(patched.tags, { team: "b", env: "test" });
    assert.equal(patched.location, "westeurope");
    const got = await resources.resourceGroups.get(rg);
    assert.deepEqual(got.tags, { team: "b", env: "test" });
    assert.equal((await resources.resourceGroups.checkExistence(rg)).body, true);
    assert.equal((await resources.resourceGroups.checkExistence("rg-none")).body, false);
    const groups = await collect(resources.resourceGroups.list());
    assert.ok(groups.some((g) => g.name === rg));
  });

  it("computes a template's hash", async () => {
    const a = await deployments.deployments.calculateTemplateHash(template);
    const b = await deployments.deployments.calculateTemplateHash({ ...template, outputs: {} });
    assert.match(a.templateHash, /^\d+$/);
    assert.notEqual(a.templateHash, b.templateHash);
    assert.equal(typeof a.minifiedTemplate, "string");
  });

  let deployed;
  it("deploys a template and reads its deployment", async () => {
    const valid = await deployments.deployments.validate(rg, "web", deployment("jsapp"), fast);
    assert.equal(valid.properties.validatedResources.length, 2);
    deployed = await deployments.deployments.createOrUpdate(rg, "web", deployment("jsapp"), fast);
    assert.equal(deployed.properties.provisioningState, "Succeeded");
    assert.equal(deployed.properties.outputs.blob.value, "https://jsappstore.blob.core.windows.net/");
    assert.equal(deployed.properties.outputs.host.value, "jsapp-web.azurewebsites.net");
    const got = await deployments.deployments.get(rg, "web");
    const hash = await deployments.deployments.calculateTemplateHash(template);
    assert.equal(got.properties.templateHash, hash.templateHash);
    const namespaces = got.properties.providers.map((p) => p.namespace).sort();
    assert.deepEqual(namespaces, ["Microsoft.Storage", "Microsoft.Web"]);
    const dep = got.properties.dependencies.find((d) => d.resourceType === "Microsoft.Web/sites");
    assert.ok(dep, JSON.stringify(got.properties.dependencies));
    assert.equal(dep.resourceName, "jsapp-web");
    assert.equal(dep.dependsOn[0].resourceName, "jsappstore");
    assert.equal((await deployments.deployments.checkExistence(rg, "web")).body, true);
    const listed = await collect(deployments.deployments.listByResourceGroup(rg));
    assert.deepEqual(listed.map((d) => d.name), ["web"]);
  });

  it("lists and gets deployment operations", async () => {
    const ops = await collect(deployments.deploymentOperations.list(rg, "web"));
    assert.equal(ops.length, 2);
    const op = await deployments.deploymentOperations.get(rg, "web", ops[0].operationId);
    assert.equal(op.operationId, ops[0].operationId);
    assert.equal(op.properties.provisioningState, "Succeeded");
    assert.equal(op.properties.targetResource.resourceType, "Microsoft.Storage/storageAccounts");
  });

  it("exports a deployment's template and a group's", async () => {
    const exported = await deployments.deployments.exportTemplate(rg, "web");
    assert.deepEqual(exported.template, template);
    const group = await resources.resourceGroups.exportTemplate(rg, { resources: ["*"] }, fast);
    const types = group.template.resources.map((r) => r.type).sort();
    assert.deepEqual(types, ["Microsoft.Storage/storageAccounts", "Microsoft.Web/sites"]);
  });

  it("reports NoChange on what-if after an identical redeploy", async () => {
    const same = await deployments.deployments.whatIf(rg, "web", deployment("jsapp"), fast);
    assert.equal(same.status, "Succeeded");
    assert.deepEqual(same.changes.map((c) => c.changeType), ["NoChange", "NoChange"]);
    const other = await deployments.deployments.whatIf(rg, "web2", deployment("other"), fast);
    assert.deepEqual(other.changes.map((c) => c.changeType).sort(), ["Create", "Create", "Ignore", "Ignore"]);
  });

  it("reads resources by id, with the SDK's doubled slash", async () => {
    const id = `${rgID}/providers/Microsoft.Storage/storageAccounts/jsappstore`;
    // getById sends "//subscriptions/…": Azure serves it.
    const account = await resources.resources.getById(id, "2023-01-01");
    assert.equal(account.id, id);
    assert.equal(account.properties.provisioningState, "Succeeded");
    const listed = await collect(resources.resources.listByResourceGroup(rg));
    assert.equal(listed.length, 2);
    const all = await collect(resources.resources.list());
    assert.ok(all.some((r) => r.id === id));
  });

  it("refuses an api-version the resource type does not have", async () => {
    const id = `${rgID}/providers/Microsoft.Storage/storageAccounts/jsappstore`;
    await assert.rejects(resources.resources.getById(id, "2099-01-01"), (err) => {
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, "NoRegisteredProviderFound");
      assert.match(err.message, /2023-01-01/);
      return true;
    });
    const old = new ResourceManagementClient(credential, sub, { ...clientOptions, apiVersion: "1999-01-01" });
    await assert.rejects(old.resourceGroups.get(rg), (err) => {
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, "InvalidApiVersionParameter");
      return true;
    });
  });

  it("creates a resource with a direct PUT and lists its keys", async () => {
    const account = await resources.resources.createOrUpdate(rg, "Microsoft.Storage", "", "storageAccounts", "jsdirect", "2023-01-01",
      { location: "westeurope", kind: "StorageV2", sku: { name: "Standard_LRS" } }, fast);
    assert.equal(account.name, "jsdirect");
    assert.equal(account.properties.provisioningState, "Succeeded");
    const byID = await resources.resources.createOrUpdateById(`${rgID}/providers/Microsoft.Storage/storageAccounts/jsbyid`, "2023-01-01",
      { location: "westeurope", kind: "StorageV2", sku: { name: "Standard_LRS" }, tags: { by: "id" } }, fast);
    assert.deepEqual(byID.tags, { by: "id" });
    const keys = await send("POST", `${rgID}/providers/Microsoft.Storage/storageAccounts/jsdirect/listKeys?api-version=2023-01-01`);
    assert.equal(keys.status, 200);
    assert.deepEqual(keys.body.keys.map((k) => k.keyName), ["key1", "key2"]);
    assert.ok(keys.body.keys[0].value.length > 40);
    const again = await send("POST", `${rgID}/providers/Microsoft.Storage/storageAccounts/jsdirect/listKeys?api-version=2023-01-01`);
    assert.deepEqual(again.body, keys.body, "an account's keys are stable");
    const none = await send("POST", `${rgID}/providers/Microsoft.Storage/storageAccounts/nosuch/listKeys?api-version=2023-01-01`);
    assert.equal(none.status, 404);
  });

  it("reads and changes tags", async () => {
    await resources.tagsOperations.createOrUpdateValue("costcenter", "42");
    const names = await collect(resources.tagsOperations.list());
    const cc = names.find((t) => t.tagName === "costcenter");
    assert.ok(cc, JSON.stringify(names));
    assert.deepEqual(cc.values.map((v) => v.tagValue), ["42"]);
    const set = await resources.tagsOperations.createOrUpdateAtScope(rgID, { properties: { tags: { owner: "js" } } }, fast);
    assert.deepEqual(set.properties.tags, { owner: "js" });
    const merged = await resources.tagsOperations.updateAtScope(rgID, { operation: "Merge", properties: { tags: { tier: "gold" } } }, fast);
    assert.deepEqual(merged.properties.tags, { owner: "js", tier: "gold" });
    const got = await resources.tagsOperations.getAtScope(rgID);
    assert.deepEqual(got.properties.tags, { owner: "js", tier: "gold" });
    assert.deepEqual((await resources.resourceGroups.get(rg)).tags, { owner: "js", tier: "gold" });
  });

  it("deploys at subscription scope", async () => {
    const subTemplate = {
      $schema: "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
      contentVersion: "1.0.0.0",
      resources: [{ type: "Microsoft.Resources/resourceGroups", apiVersion: "2022-09-01", name: "rg-from-sub", location: "northeurope", tags: { via: "subscription" } }],
      outputs: { subscription: { type: "string", value: "[subscription().subscriptionId]" } },
    };
    const d = await deployments.deployments.createOrUpdateAtSubscriptionScope("sub-groups",
      { location: "northeurope", properties: { mode: "Incremental", template: subTemplate } }, fast);
    assert.equal(d.properties.provisioningState, "Succeeded");
    assert.equal(d.id, `/subscriptions/${sub}/providers/Microsoft.Resources/deployments/sub-groups`);
    assert.equal(d.properties.outputs.subscription.value, sub);
    const g = await resources.resourceGroups.get("rg-from-sub");
    assert.equal(g.location, "northeurope");
    assert.deepEqual(g.tags, { via: "subscription" });
    const got = await deployments.deployments.getAtSubscriptionScope("sub-groups");
    assert.equal(got.location, "northeurope");
    const listed = await collect(deployments.deployments.listAtSubscriptionScope());
    assert.deepEqual(listed.map((x) => x.name), ["sub-groups"]);
    const ops = await collect(deployments.deploymentOperations.listAtSubscriptionScope("sub-groups"));
    assert.equal(ops.length, 1);
    await deployments.deployments.deleteAtSubscriptionScope("sub-groups", fast);
    assert.equal((await deployments.deployments.checkExistenceAtSubscriptionScope("sub-groups")).body, false);
  });

  it("deletes a deployment and then the group", async () => {
    await deployments.deployments.delete(rg, "web", fast);
    assert.equal((await deployments.deployments.checkExistence(rg, "web")).body, false);
    // Deleting a deployment leaves its resources.
    const left = await collect(resources.resources.listByResourceGroup(rg));
    assert.equal(left.length, 4);
    await resources.resourceGroups.delete(rg, fast);
    assert.equal((await resources.resourceGroups.checkExistence(rg)).body, false);
  });
});
