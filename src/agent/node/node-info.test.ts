import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { goArch, nodeInfo, osImage, prettyName, runcVersion } from './node-info.js';
import { versionInfo } from '../../api/version.js';

describe('node info from the machine', () => {
  it("reads os-release's PRETTY_NAME, quoted or not", () => {
    assert.equal(prettyName('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
    assert.equal(prettyName("PRETTY_NAME='Alpine Linux v3.20'"), 'Alpine Linux v3.20');
    assert.equal(prettyName('PRETTY_NAME=Plain'), 'Plain');
    assert.equal(prettyName('PRETTY_NAME="A \\"quoted\\" name"'), 'A "quoted" name');
    assert.equal(prettyName('NAME=x'), undefined);
  });

  it('falls back to /usr/lib/os-release, then the kernel name', () => {
    assert.equal(
      osImage((p) => {
        if (p === '/etc/os-release') throw new Error('ENOENT');
        return 'PRETTY_NAME="Fallback OS"';
      }),
      'Fallback OS',
    );
    assert.equal(
      osImage(() => {
        throw new Error('ENOENT');
      }),
      os.type(),
    );
  });

  it("parses runc's version and maps Node's architectures to Go's", () => {
    assert.equal(runcVersion('runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\n'), '1.1.5+ds1');
    assert.equal(runcVersion('something else'), undefined);
    assert.equal(goArch('x64'), 'amd64');
    assert.equal(goArch('arm64'), 'arm64');
  });

  it('reports this machine, with kubelet and kube-proxy versions from the /version source', async () => {
    const info = await nodeInfo('process');
    assert.equal(info.kernelVersion, os.release());
    const expected = (() => {
      try {
        return prettyName(readFileSync('/etc/os-release', 'utf8'));
      } catch {
        return undefined;
      }
    })();
    if (expected) assert.equal(info.osImage, expected);
    assert.equal(info.kubeletVersion, versionInfo().gitVersion);
    assert.equal(info.kubeProxyVersion, versionInfo().gitVersion);
    assert.match(info.containerRuntimeVersion, /^process:\/\//);
  });
});
