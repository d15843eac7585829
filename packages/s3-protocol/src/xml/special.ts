/** Documents that do not fit the schema model: text roots, attributes, open-ended detail. */
import { S3Error } from '../errors.js';
import { malformedXml, parseXmlTree, S3_XMLNS, textOf, XML_DECLARATION } from './codec.js';
import { escapeXml } from '@bucketfront/http-basics';
import type { Owner } from './documents.js';

/**
 * GetBucketLocation: us-east-1 is an empty element.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html
 */
export const LocationConstraintXml = {
  serialize(region: string): string {
    const value = region === 'us-east-1' ? '' : escapeXml(region);
    return `${XML_DECLARATION}<LocationConstraint xmlns="${S3_XMLNS}">${value}</LocationConstraint>`;
  },
  /** Returns the region ('' → us-east-1). */
  parse(xml: string | Buffer): string | S3Error {
    const tree = parseXmlTree(xml);
    if (tree instanceof S3Error) return tree;
    if (!('LocationConstraint' in tree)) return malformedXml();
    const text = textOf(tree.LocationConstraint);
    if (text === null) return malformedXml();
    return text.trim() === '' ? 'us-east-1' : text.trim();
  },
};

export interface ErrorDocument {
  code: string;
  message: string;
  detail: Record<string, string>;
  requestId?: string;
  hostId?: string;
}

/** The `<Error>` document; serialize with `S3Error#renderXml`, parse here (tests, clients). */
export const ErrorXml = {
  serialize(err: S3Error, requestId: string, hostId: string): string {
    return err.renderXml(requestId, hostId);
  },
  parse(xml: string | Buffer): ErrorDocument | S3Error {
    const tree = parseXmlTree(xml);
    if (tree instanceof S3Error) return tree;
    const root = tree.Error;
    if (root === null || typeof root !== 'object' || Array.isArray(root)) return malformedXml();
    const out: ErrorDocument = { code: '', message: '', detail: {} };
    for (const [name, node] of Object.entries(root as Record<string, unknown>)) {
      if (name === '#text') continue;
      const text = textOf(node);
      if (text === null) return malformedXml();
      if (name === 'Code') out.code = text;
      else if (name === 'Message') out.message = text;
      else if (name === 'RequestId') out.requestId = text;
      else if (name === 'HostId') out.hostId = text;
      else out.detail[name] = text;
    }
    return out.code ? out : malformedXml();
  },
};

export type Permission = 'FULL_CONTROL' | 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP';
export interface Grant {
  grantee: { type: 'CanonicalUser'; id: string; displayName?: string } | { type: 'Group'; uri: string } | { type: 'AmazonCustomerByEmail'; emailAddress: string };
  permission: Permission;
}
export interface AccessControlPolicy {
  owner: Owner;
  grants: Grant[];
}

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
export const ALL_USERS_URI = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS_URI = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const LOG_DELIVERY_URI = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
const PERMISSIONS: ReadonlySet<string> = new Set<Permission>(['FULL_CONTROL', 'READ', 'WRITE', 'READ_ACP', 'WRITE_ACP']);
const malformedAcl = (): S3Error => new S3Error('MalformedACLError');

/**
 * GetBucketAcl / GetObjectAcl body.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAcl.html
 */
export const AccessControlPolicyXml = {
  serialize(acp: AccessControlPolicy): string {
    const owner = ownerXml(acp.owner);
    let grants = '';
    for (const g of acp.grants) {
      const grantee =
        g.grantee.type === 'Group'
          ? `<Grantee xmlns:xsi="${XSI}" xsi:type="Group"><URI>${escapeXml(g.grantee.uri)}</URI></Grantee>`
          : g.grantee.type === 'AmazonCustomerByEmail'
            ? `<Grantee xmlns:xsi="${XSI}" xsi:type="AmazonCustomerByEmail"><EmailAddress>${escapeXml(g.grantee.emailAddress)}</EmailAddress></Grantee>`
            : `<Grantee xmlns:xsi="${XSI}" xsi:type="CanonicalUser">${ownerXml({ id: g.grantee.id, displayName: g.grantee.displayName })}</Grantee>`;
      grants += `<Grant>${grantee}<Permission>${g.permission}</Permission></Grant>`;
    }
    return `${XML_DECLARATION}<AccessControlPolicy xmlns="${S3_XMLNS}"><Owner>${owner}</Owner><AccessControlList>${grants}</AccessControlList></AccessControlPolicy>`;
  },
  /**
   * A PutBucketAcl / PutObjectAcl body. Anything that is not a well-formed AccessControlPolicy
   * (unknown permission, a grantee without ID / EmailAddress / URI) is MalformedACLError.
   * The Owner element is optional here; the handler compares it with the resource's owner.
   */
  parse(xml: string | Buffer): (Omit<AccessControlPolicy, 'owner'> & { owner?: Owner }) | S3Error {
    const tree = parseXmlTree(xml);
    if (tree instanceof S3Error) return malformedAcl();
    const root = tree.AccessControlPolicy as Record<string, unknown> | undefined;
    if (!root || typeof root !== 'object') return malformedAcl();
    let owner: Owner | undefined;
    if (root.Owner !== undefined) {
      const o = parseOwner(root.Owner);
      if (!o) return malformedAcl();
      owner = o;
    }
    const list = root.AccessControlList;
    if (list !== undefined && list !== '' && (list === null || typeof list !== 'object')) return malformedAcl();
    const rawGrants = list && typeof list === 'object' ? (list as Record<string, unknown>).Grant : undefined;
    const items = rawGrants === undefined ? [] : Array.isArray(rawGrants) ? rawGrants : [rawGrants];
    const grants: Grant[] = [];
    for (const item of items) {
      if (!item || typeof item !== 'object') return malformedAcl();
      const g = item as Record<string, unknown>;
      const permission = textOf(g.Permission);
      const grantee = g.Grantee as Record<string, unknown> | undefined;
      if (permission === null || !PERMISSIONS.has(permission) || !grantee || typeof grantee !== 'object') return malformedAcl();
      const p = permission as Permission;
      if (grantee.URI !== undefined) {
        const uri = textOf(grantee.URI);
        if (uri === null) return malformedAcl();
        grants.push({ grantee: { type: 'Group', uri }, permission: p });
      } else if (grantee.EmailAddress !== undefined) {
        const emailAddress = textOf(grantee.EmailAddress);
        if (emailAddress === null) return malformedAcl();
        grants.push({ grantee: { type: 'AmazonCustomerByEmail', emailAddress }, permission: p });
      } else {
        const o = parseOwner(grantee);
        if (!o) return malformedAcl();
        grants.push({ grantee: { type: 'CanonicalUser', ...o }, permission: p });
      }
    }
    return owner === undefined ? { grants } : { owner, grants };
  },
};

function ownerXml(o: Owner): string {
  return `<ID>${escapeXml(o.id)}</ID>${o.displayName !== undefined ? `<DisplayName>${escapeXml(o.displayName)}</DisplayName>` : ''}`;
}

function parseOwner(node: unknown): Owner | null {
  if (!node || typeof node !== 'object') return null;
  const n = node as Record<string, unknown>;
  const id = textOf(n.ID);
  if (id === null) return null;
  const displayName = n.DisplayName === undefined ? undefined : textOf(n.DisplayName);
  if (displayName === null) return null;
  return displayName === undefined ? { id } : { id, displayName };
}
