import * as pulumi from "@pulumi/pulumi";

/**
 * One node of the testbed tree (server, bridge, guest, routing table, timer, generator) as a
 * ComponentResource. It records the node's resolved model as outputs, so `preview --diff` shows
 * exactly which experiment values changed; the hypervisor drivers add the resources that realize it.
 */
export class LabNode<T extends object> extends pulumi.ComponentResource {
  public readonly spec: pulumi.Output<pulumi.Unwrap<T>>;

  constructor(type: string, name: string, spec: T, opts?: pulumi.ComponentResourceOptions) {
    super(`vrlab:lab:${type}`, name, {}, opts);
    this.spec = pulumi.output(spec);
    this.registerOutputs({ spec });
  }
}
